"""The Japanese texts, keyed by message id. Values are `str.format` templates with the placeholders of `EN`.

Wording follows /work/shared/JA.md: Adobe's, Salesforce's and Slack's own Japanese terms; です・ます in
messages, noun endings on buttons and titles; full-width brackets, commas, full stops and colons; a half-width space between Japanese and
Latin text or digits; spaces around every `*bold*` run, which Slack does not render next to Japanese text.
"""

from __future__ import annotations

JA: dict[str, str] = {
    # ---- personas, states, environments
    "persona.marketo_admin": "Marketo 管理者",
    "persona.salesforce_admin": "Salesforce 管理者",
    "persona.either": "{first}または {second}",
    "state.locked": "ロック中",
    "state.open": "対応待ち",
    "state.awaiting_approval": "承認待ち",
    "state.approved": "承認済み",
    "state.done": "完了",
    "state.blocked": "ブロック中",
    "state.cancelled": "中止",
    "environment.production": "本番環境",
    "environment.sandbox": "サンドボックス",
    # ---- /msi help and unknown commands
    "help.title": "*MSI Actions ロールアウトボット* ：Marketo Sales Insight Actions の 7 つの設定ステップを管理します。",
    "help.usage": (
        "`/msi start` ：ロールアウトを開始します（フォームが開きます）\n"
        "`/msi status [rollout]` ：ロールアウト 1 件、またはすべてのロールアウトの進捗\n"
        "`/msi list` ：進行中のロールアウト\n"
        "`/msi invite EMAILS` ：これらのアドレスへの MSI Actions の招待を依頼します\n"
        "`/msi audit [rollout]` ：ロールアウトの監査ログ（CSV ファイル）\n"
        "`/msi help` ：このメッセージ\n"
        "ロールアウトのチャンネル、または私とのダイレクトメッセージにユーザーの CSV をアップロードすると、招待を依頼できます。\n"
        "ホームタブにはすべてのロールアウトが表示され、オーナーはそこで自分のロールアウトを編集・中止できます。"
    ),
    "help.unknown": "`{command}` というコマンドはありません。使えるコマンドは次のとおりです：",
    # ---- the Start a rollout modal
    "start.title": "ロールアウトを開始",
    "start.submit": "開始",
    "start.close": "キャンセル",
    "start.intro": (
        "ロールアウトでは、1 つの Marketo インスタンスの MSI Actions の設定を 1 件として管理します。"
        "各ステップは、担当者のチャンネルに投稿します。"
    ),
    "start.name.label": "ロールアウト名",
    "start.name.placeholder": "例：本番環境",
    "start.name.hint": "進行中のロールアウトの間で重複しない名前にしてください。/msi status などのコマンドで使います。",
    "start.environment.label": "環境",
    "start.marketo_admins.label": "Marketo 管理者",
    "start.marketo_admins.hint": "Marketo 管理者チャンネルでステップ 1～5 を行います。",
    "start.salesforce_admins.label": "Salesforce 管理者",
    "start.salesforce_admins.hint": "ステップ 6 と 7 を行い、ステップ 2 も行えます。Salesforce に関わる操作を承認します。",
    "start.marketo_channel.label": "Marketo 管理者チャンネル",
    "start.salesforce_channel.label": "Salesforce 管理者チャンネル",
    "start.prerequisites.label": "開始する前に",
    "start.prerequisite.enabled": "Marketo Engage アカウントで MSI Actions が有効になっていることを、アドビに確認済み",
    "start.prerequisite.enabled.hint": "アドビのアカウントチーム、いない場合は Marketo サポートに確認してください。",
    "start.prerequisite.sync": "Marketo と Salesforce の同期を設定済み",
    "start.error.prerequisites": "設定を始めるには、両方が満たされている必要があります。満たされたら両方にチェックを入れてください。",
    "start.error.name_empty": "ロールアウトの名前を入力してください。",
    "start.error.name_too_long": "名前は {limit} 文字以内にしてください。",
    "start.error.name_taken": "進行中のロールアウトに「{name}」という名前がすでにあります。別の名前を選んでください。",
    "start.error.environment": "本番環境またはサンドボックスを選んでください。",
    "start.error.no_admins": "1 人以上選んでください。",
    "start.error.bots": "アプリやボットではなく、人を選んでください。",
    "start.error.channel_missing": "チャンネルを選んでください。",
    "start.error.same_channel": "Marketo 管理者用と Salesforce 管理者用に、別々のチャンネルを使ってください。",
    "start.error.channel_private": (
        "私はこのプライベートチャンネルに参加していません。チャンネルで /invite @MSI Rollouts と入力してから、"
        "もう一度送信してください。"
    ),
    "start.error.channel_archived": "このチャンネルはアーカイブされています。アクティブなチャンネルを選んでください。",
    "start.error.channel_not_found": "このチャンネルが見つかりません。別のチャンネルを選ぶか、私をこのチャンネルに招待してください。",
    "start.error.channel_external": "ほかの組織と共有しているチャンネルではなく、このワークスペースのチャンネルを選んでください。",
    "start.error.channel_join_failed": (
        "このチャンネルに参加できませんでした（{error}）。/invite @MSI Rollouts で私を招待してから、もう一度送信してください。"
    ),
    "start.error.slack_unavailable": "このチャンネルを確認している間に、Slack から時間内に応答がありませんでした。もう一度送信してください。",
    "start.confirmed": (
        "ロールアウト *{name}* （{environment}）を開始しました。ステップ 1 を {marketo_channel} に、ステップ 6 を "
        "{salesforce_channel} に投稿しました。進捗は `/msi status {name}` で確認できます。"
    ),
    "start.warning.not_member.one": "ご注意：{users} は、担当ステップが投稿される {channel} のメンバーではありません。",
    "start.warning.not_member.many": "ご注意：{users} は、担当ステップが投稿される {channel} のメンバーではありません。",
}
