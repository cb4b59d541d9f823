"""The seven steps: the runbook as data, the step service, step cards and Salesforce verification."""
