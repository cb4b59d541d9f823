"""Reports: /msi help, /msi status, /msi list, the audit export and App Home."""
