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
        "`/msi doctor` ：ボットの設定と接続の診断（オーナーと管理者）\n"
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
    "start.language.label": "チャンネルへの投稿の言語",
    "start.language.hint": "ステップ、承認依頼、リマインダー、Marketo 管理者へのタスクをこの言語で投稿します。本人だけに表示される返答は、各ユーザーの Slack の言語になります。",
    "language.ja": "日本語",
    "language.en": "English",
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
    "start.error.language": "日本語 または English を選んでください。",
    "start.error.name_empty": "ロールアウトの名前を入力してください。",
    "start.error.name_too_long": "名前は {limit} 文字以内にしてください。",
    "start.error.name_taken": "進行中のロールアウトに「{name}」という名前がすでにあります。別の名前を選んでください。",
    "start.error.environment": "本番環境またはサンドボックスを選んでください。",
    "start.error.no_admins": "1 人以上選んでください。",
    "start.error.no_admins_or_groups": "1 人以上選ぶか、下でユーザーグループを選んでください。",
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
    # ---- step messages
    "step.header": "ステップ {number}/{total}：{title}",
    "step.rollout_line": "ロールアウト *{rollout}* （{environment}）· {persona}",
    "step.checklist.heading": "*手順*",
    "step.hints.heading": "*ヒントとトラブルシューティング*",
    "step.state_line.open": ":large_blue_circle: {when} から対応待ち",
    "step.state_line.done": ":white_check_mark: {who} が {when} に完了",
    "step.button.done": "完了にする",
    "step.button.help": "問題を報告",
    "step.confirm.title": "ステップ {number} を完了にしますか？",
    "step.confirm.text": "「{title}」が終わったことを確認してください。ロールアウトの関係者全員に表示されます。",
    "step.confirm.yes": "完了にする",
    "step.confirm.no": "まだ",
    "step.fallback": "ステップ {number}：{title}（{state}）",
    # ---- the seven steps: titles, checklists (one item per line) and hints (one per line)
    "step.1.title": "Marketo Sales アカウントの設定",
    "step.1.checklist": (
        "Marketo で「管理者」（Admin）›「Sales Insight」›「アクション設定」（Actions Config）を開きます。\n"
        "Marketo Sales アカウントへのアクセス権を付与する Marketo 管理者を選びます。\n"
        "「招待を送信」をクリックします。各管理者に、サインイン方法を説明するメールが届きます。\n"
        "その後のユーザーは、Marketo ではなく Marketo Sales アカウントの「ユーザー管理」から追加します。"
    ),
    "step.1.hints": (
        "「統合情報」カードに「クライアント ID」や「クライアントシークレット」が表示されない場合は、インスタンスが"
        "まだ有効化されていません。最初のユーザーを招待してから、もう一度確認してください。"
    ),
    "step.2.title": "Marketo Sales アカウントを Salesforce に接続",
    "step.2.checklist": (
        "Marketo Sales アカウントで、歯車アイコン ›「設定」（Settings）›「管理者設定」（Admin Settings）›「Salesforce」を開きます。\n"
        "「接続とカスタマイズ」（Connections & Customizations）タブで「接続」をクリックし、「OK」をクリックします。\n"
        "Salesforce にサインイン済みであればすぐに接続されます。そうでない場合は、求められたらサインインしてください。"
    ),
    "step.2.hints": (
        "組織で Salesforce のカスタムドメインを使っている場合は、先に同じブラウザーで Salesforce にサインインしてください。\n"
        "診断に AUTHENTICATION_FAILURE、EXPIRED_ACCESS、INACTIVE_USER のいずれかが表示される場合は、接続を解除してから、"
        "もう一度接続してください。\n"
        "INVALID_GRANT と「ip restricted」が表示される場合は、Salesforce 管理者が Actions の IP アドレスを許可リストに追加する必要があります。\n"
        "API_CURRENTLY_DISABLED：接続する Salesforce ユーザーに API アクセス権が必要です。\n"
        "REQUEST_LIMIT_EXCEEDED：組織が API の上限に達しています。時間をおくか、上限を引き上げてください。"
    ),
    "step.3.title": "Marketo Sales アカウントを Marketo に接続",
    "step.3.checklist": (
        "Marketo Sales アカウントで、歯車アイコン ›「設定」›「管理者設定」›「Marketo」を開きます。\n"
        "「接続」をクリックします。"
    ),
    "step.3.hints": (
        "接続できない場合は、Marketo の「管理者」›「Sales Insight」›「アクション設定」タブにある資格情報を、"
        "Marketo Sales アカウントの「設定」（Set Up）タブにコピーしてください。\n"
        "接続は「接続」をクリックした管理者に紐づきます。別の管理者に引き継ぐときは、新しい管理者を接続するための"
        "アドビの手順どおりに行う必要があります。"
    ),
    "step.4.title": "データ同期の開始",
    "step.4.checklist": (
        "Marketo で「管理者」›「Sales Insight」›「アクション設定」を開きます。\n"
        "「アクションフィールドの同期」（Action Field Sync）カードで「同期」をクリックします。\n"
        "同期されるフィールドのプレビューを確認してから、「同期の開始」をクリックします。"
    ),
    "step.4.hints": (
        "同期されるのは、Marketo と Salesforce の両方に存在する人で、かつ営業担当者（所有者）が設定されたリードと"
        "取引先責任者だけです。\n"
        "同期されるフィールドは固定です（13 個）。Marketo の重複レコードは重複のまま同期されます。\n"
        "初回の同期には、1,000 人あたり約 1～2 分かかります。\n"
        "同期を開始したら、Actions インスタンスに最初に招待したユーザーは絶対に削除しないでください。"
    ),
    "step.5.title": "ユーザーを MSI Actions に招待",
    "step.5.checklist": (
        "Marketo Sales アカウントで、歯車アイコン ›「設定」›「管理者設定」›「ユーザー管理」（User Management）›「アクション」を開きます。\n"
        "1 人ずつ招待する場合：「ユーザーの招待」を選び、メールアドレスを入力して「招待」をクリックします。\n"
        "まとめて招待する場合：「CSV でユーザーを招待」を選んでファイルを選択し、「次へ」をクリックして、"
        "フィールドのマッピングを確認してから「招待」をクリックします。\n"
        "確認メッセージが表示されるまで待ちます。"
    ),
    "step.5.hints": (
        "新しいユーザーは「全員」（Everyone）チームに入ります。チームと Marketo ワークスペース（1 つしかない場合は「Default」）を"
        "選ぶこともできます。\n"
        "管理者にするには、「役割」を変更します。\n"
        "1 つのインスタンスのユーザーシートは 100、チームは最大 20 です。\n"
        "1 つのメールアドレスが属せる Actions インスタンスは、サンドボックスと本番環境を合わせて 1 つだけです。\n"
        "アドレスは `/msi invite` で、またはここに CSV をアップロードして集めてください。Salesforce 管理者が承認すると、"
        "私がリストをお渡しします。"
    ),
    "step.6.title": "Salesforce での MSI パッケージのインストール／アップグレード",
    "step.6.checklist": (
        "<https://appexchange.salesforce.com/listingDetail?listingId=a0N30000001SVZmEAO|AppExchange の Marketo "
        "Sales Insight のページ> を開き、「今すぐ取得」（Get It Now）をクリックします。\n"
        "「本番環境にインストール」（または「サンドボックスにインストール」）を選び、アクセスできるユーザーを"
        "「管理者専用にインストール」「すべてのユーザー用にインストール」「特定のプロファイル用にインストール」から選びます。\n"
        "「設定」（Setup）›「インストール済みパッケージ」（Installed Packages）に Marketo Sales Insight が表示され、"
        "各オブジェクトが「デプロイ済み」（Deployed）になっていることを確認します。"
    ),
    "step.6.hints": (
        "アップグレードする場合、パッケージは標準オブジェクトの権限を付与しなくなりました。MSI ユーザーのプロファイルに、"
        "リード、取引先責任者、取引先、商談の「参照」権限が必要です。\n"
        "アップグレードは、まずサンドボックスで試してください。\n"
        "「Marketo App Access」権限セットには、パッケージのバージョン 1.8000 以降が必要です。"
    ),
    "step.7.title": "Salesforce での MSI Actions の設定",
    "step.7.checklist": (
        "「設定」›「リモートサイトの設定」（Remote Site Settings）›「新規リモートサイト」で https://ims-na1.adobelogin.com を追加します。\n"
        "2 つ目として https://mkto-sales-connect.adobe.io を追加します。\n"
        "「Marketo Sales Insight 設定」タブを開き、「MSI アクションを有効にする」にチェックを入れ、「API 秘密鍵」を入力して"
        "「保存」をクリックします。"
    ),
    "step.7.hints": (
        "API 秘密鍵は Marketo の「管理者」›「Sales Insight」›「API 設定を編集」で設定します。アンパサンド（&）は"
        "使用できません。\n"
        "ガバナンス設定で、セールスキャンペーン、「タスク」タブ、または個々の機能を全員に対して無効にできます。"
    ),
    # ---- step message states and notes
    "step.state_line.blocked": ":warning: {when} からブロック中：{who} が助けを求めています：「{problem}」",
    "step.state_line.cancelled": ":no_entry: このロールアウトは {when} に {who} によって中止されました。ここで行う作業はもうありません。",
    "step.state_line.moved": ":arrow_right: このステップは {channel} に移動しました。",
    "step.note.reopened": ":leftwards_arrow_with_hook: {who} が {when} に再オープン：「{reason}」",
    "step.button.resolve": "解決済みにする",
    # ---- refusals and answers to clicks (private)
    "deny.step_persona": "ステップ {number} を完了にできるのは、ロールアウトの {persona} だけです。何も変更していません。",
    "deny.step_help": "ステップ {number} で問題を報告できるのは、ロールアウトの {persona} またはオーナーだけです。",
    "deny.step_resolve": "ステップ {number} のブロックを解除できるのは、ロールアウトの {persona} またはオーナーだけです。",
    "deny.step_reopen": "ステップ {number} を再オープンできるのは、ロールアウトの {persona} またはオーナーだけです。",
    "deny.owner_only": "この操作ができるのは、ロールアウト *{rollout}* のオーナー（{owner}）だけです。",
    "deny.rollout_gone": "このロールアウトは存在しないか中止されたため、編集できません。",
    "deny.rollout_cancelled": "ロールアウト *{rollout}* は中止されたため、ステップを変更できません。",
    "deny.step_gone": "このステップが見つからなくなりました。`/msi status` で状況を確認してください。",
    "answer.click_failed": (
        "申し訳ありません。こちら側で問題が起きたため、クリックを処理できませんでした。少し待ってからもう一度"
        "クリックしてください。失敗が続く場合は、ロールアウトのオーナーに連絡してください。"
    ),
    "answer.step_already_done": "ステップ {number} は、{who} が {when} にすでに完了にしています。",
    "answer.step_locked": "ステップ {number} はまだ完了にできません。ステップ {needs} の完了を待っています。",
    "answer.step_not_blocked": "ステップ {number} はもうブロックされていません。",
    "answer.step_not_done": "ステップ {number} は完了していないため、再オープンするものはありません。",
    "answer.step_done": "ステップ {number} が完了しました。ありがとうございます！",
    # ---- Need help modal and owner notice
    "help_modal.title": "問題を報告",
    "help_modal.submit": "ブロック中にする",
    "help_modal.close": "キャンセル",
    "help_modal.intro": "*ステップ {number}：{title}*\nたいていは次の方法で解決します：",
    "help_modal.problem.label": "何が問題ですか？",
    "help_modal.problem.placeholder": "何を試して、どうなりましたか？エラーメッセージがあると助かります。",
    "help_modal.error.empty": "ほかの人が手伝えるよう、問題の内容を書いてください。",
    "notice.step_blocked": "{who} がロールアウト *{rollout}* のステップ {number}（{title}）をブロック中にしました：「{problem}」。{channel} を確認してください。",
    # ---- Reopen modal
    "reopen_modal.title": "ステップを再オープン",
    "reopen_modal.submit": "再オープン",
    "reopen_modal.close": "キャンセル",
    "reopen_modal.intro": "ステップ {number}：{title} を対応待ちに戻します。後続のステップの状態は変わりません。",
    "reopen_modal.reason.label": "再オープンする理由",
    "reopen_modal.error.empty": "理由を入力してください。ステップの関係者全員に表示されます。",
    # ---- /msi status and /msi list
    "status.title": "*{rollout}* （{environment}）· オーナー {owner}",
    "status.progress": "{bar}  {done}/{total} ステップ完了",
    "status.step_line": "{icon} *{number}. {title}* ：{state}",
    "status.step_detail.done": "{who} が {when} に完了",
    "status.step_detail.open": "{when} から対応待ち",
    "status.step_detail.since": "{state}（{when}）",
    "status.step_detail.blocked": "{when} からブロック中（{who}：「{problem}」）",
    "status.step_detail.locked": "ステップ {needs} の完了待ち",
    "status.none": "進行中のロールアウトはありません。`/msi start` で開始してください。",
    "status.not_found": "「{name}」という進行中のロールアウトはありません。進行中のロールアウト：{names}。",
    "status.not_found_none": "「{name}」という進行中のロールアウトはなく、進行中のロールアウトもありません。`/msi start` で開始してください。",
    "status.several_here": "このチャンネルでは複数のロールアウトが進行中です。名前を付けて実行してください（例：`/msi status {example}`）：",
    "status.line": "*{rollout}* （{environment}）：{bar} {done}/{total}",
    "list.title": "*進行中のロールアウト*",
    "list.line": "• *{rollout}* （{environment}）· {bar} {done}/{total} · オーナー {owner} · {marketo_channel} / {salesforce_channel}",
    # ---- /msi audit
    "audit.sending": "ロールアウト *{rollout}* の監査ログを、CSV ファイルとしてダイレクトメッセージでお送りします。",
    "audit.title": "監査ログ：{rollout}",
    "audit.comment": "ロールアウト *{rollout}* の監査ログ（{count} 件）",
    "audit.denied": "ロールアウト *{rollout}* の監査ログを見られるのは、オーナーと管理者だけです。",
    "audit.pick": "どのロールアウトの監査ログが必要ですか？名前を付けて実行してください（例：`/msi audit {example}`）。進行中：{names}。",
    # ---- App Home
    "home.title": "*MSI Actions のロールアウト*",
    "home.intro": "進行中のすべてのロールアウトとその状況です。ステップは Marketo と Salesforce の管理者チャンネルに投稿されます。",
    "home.start": "ロールアウトを開始",
    "home.welcome.title": "MSI Actions ロールアウトボットへようこそ",
    "home.welcome.body": (
        "Marketo Sales Insight Actions の設定作業を、Slack で追跡できるようにします：\n"
        "• 7 つの設定ステップを、担当する Marketo 管理者または Salesforce 管理者のチャンネルに投稿します\n"
        "• Salesforce 組織に関わる作業は、Salesforce 管理者がボタンで承認します\n"
        "• 営業ユーザーは `/msi invite` か、ロールアウトのチャンネルにアップロードした CSV ファイルで招待します\n"
        "• 対応待ちの作業をリマインドします\n"
        "ロールアウトを開始すると、最初のステップが投稿されます。"
    ),
    "home.welcome.help": "すべてのコマンドは `/msi help` で確認できます。",
    "home.rollout": "*{rollout}* （{environment}）· オーナー {owner}\n{bar} {done}/{total} ステップ完了 · {marketo_channel} / {salesforce_channel}",
    "home.steps": "{lines}",
    "home.edit": "編集",
    "home.cancel": "ロールアウトを中止",
    "home.reopen": "ステップ {number} を再オープン",
    "home.cancel.confirm.title": "このロールアウトを中止しますか？",
    "home.cancel.confirm.text": "ロールアウト「{rollout}」を停止します。ステップ、リマインダー、承認はこれ以上送られず、名前は再び使えるようになります。この操作は元に戻せません。",
    "home.cancel.confirm.yes": "ロールアウトを中止",
    "home.cancel.confirm.no": "中止しない",
    "home.more_rollouts": "…ほか {count} 件のロールアウト：`/msi list` で確認してください。",
    # ---- Edit modal
    "edit.title": "ロールアウトを編集",
    "edit.submit": "保存",
    "edit.intro": "*{rollout}* のステップの担当者と投稿先を変更します。チャンネルを変更すると、対応待ちのステップはそのチャンネルに移動します。",
    "edit.done": "ロールアウト *{rollout}* を更新しました。",
    "notice.cancelled": "ロールアウト *{rollout}* は {who} によって中止されました。",
    # ---- approvals (SPEC section 4)
    "approval.header": "承認が必要です",
    "approval.subject_line": "*{rollout}* （{environment}）· {subject}",
    "approval.asked": "{who} が {when} に依頼しました。",
    "approval.why.step.2": "このステップを完了にすると、Marketo Sales アカウントが Salesforce 組織に接続されます。この接続を許可できる場合は承認してください。その後、Marketo 管理者がステップを完了します。",
    "approval.why.step.4": "データ同期では、営業担当者（所有者）が設定されたリードと取引先責任者が Salesforce から MSI Actions にコピーされます。同期を開始してよい場合は承認してください。その後、Marketo 管理者が同期を開始し、ステップを完了にします。",
    "approval.subject.step": "ステップ {number}/{total}：{title}",
    "approval.button.approve": "承認",
    "approval.button.reject": "却下",
    "approval.confirm.title": "この依頼を承認しますか？",
    "approval.confirm.text": "ロールアウト「{rollout}」の{subject}を承認します。依頼者に通知されます。",
    "approval.confirm.yes": "承認",
    "approval.confirm.no": "まだ",
    "approval.outcome.approved": ":white_check_mark: {who} が {when} に承認",
    "approval.outcome.rejected": ":x: {who} が {when} に却下：「{reason}」",
    "approval.outcome.cancelled": ":heavy_minus_sign: 不要になりました：{who} が {when} に完了しました",
    "approval.outcome.withdrawn": ":heavy_minus_sign: {when} に取り下げ：ロールアウトが中止されました",
    "approval.fallback": "承認が必要です：{subject}（{rollout}）",
    "approval.deny.persona": "この依頼を判断できるのは、ロールアウト *{rollout}* の Salesforce 管理者だけです。何も変更していません。",
    "approval.deny.requester": "この承認はあなたが依頼したものなので、 *{rollout}* のほかの Salesforce 管理者が判断する必要があります。",
    "approval.already": "この依頼は、{who} が {when} にすでに{outcome}。何も変更していません。",
    "approval.already.approved": "承認しました",
    "approval.already.rejected": "却下しました",
    "approval.already.cancelled": "クローズしました",
    "approval.gone": "この承認依頼が見つからなくなりました。",
    "approval.reject_modal.title": "依頼を却下",
    "approval.reject_modal.submit": "却下",
    "approval.reject_modal.intro": "ロールアウト *{rollout}* の{subject}（依頼者：{who}）。何を直せばよいか伝わるよう、理由を書いてください。",
    "approval.reject_modal.reason": "理由",
    "approval.reject_modal.error.empty": "理由を入力してください。依頼者に表示されます。",
    "approval.notify.approved": "{who} がロールアウト *{rollout}* の{subject}を承認しました。ステップを行ってから、{channel} で完了にしてください。",
    "approval.notify.rejected": "{who} がロールアウト *{rollout}* の{subject}を却下しました：「{reason}」。{channel} でステップが再び対応待ちになっています。",
    "step.state_line.awaiting": ":hourglass_flowing_sand: Salesforce 管理者の承認待ち（{who} が {when} に依頼）。承認されたら、ステップを行って完了にしてください。",
    "step.state_line.approved": ":ballot_box_with_check: {who} が {when} に承認しました。ステップを行ってから、完了にしてください。",
    "step.note.rejected": ":x: {who} が {when} に承認を却下：「{reason}」",
    "answer.awaiting_approval": "ステップ {number} は Salesforce 管理者の承認待ちです（{who} が {when} に依頼）。",
    "answer.approval_requested": "{channel} で Salesforce 管理者にステップ {number} の承認を依頼しました。結果はここでお知らせします。",
    "status.approvals": "*承認待ちの依頼*",
    "status.approval_line": "• {subject}：{who} が {when} に依頼",
    "home.approvals": "*あなたの承認待ち*",
    # ---- invitations (SPEC section 5)
    "invite.usage": "コマンドの後にアドレスを、スペース、カンマ、セミコロンまたは改行で区切って追加してください：`/msi invite ana@example.com, ben@example.com`。ここに CSV ファイルをアップロードすることもできます。",
    "invite.denied": "アドレスは個人情報のため、招待を依頼できるのはロールアウト *{rollout}* のオーナーと管理者だけです。",
    "invite.where": "どのロールアウトの招待ですか？ `/msi invite` は、ロールアウトの Marketo 管理者チャンネルか Salesforce 管理者チャンネルで実行してください。進行中のロールアウトが 1 件だけのときは、私とのダイレクトメッセージでも実行できます。進行中：{names}。",
    "invite.none_active": "進行中のロールアウトがないため、招待先がありません。`/msi start` で開始してください。",
    "invite.created": "ロールアウト *{rollout}* の招待 {count} 件（バッチ #{batch}）は、{channel} で Salesforce 管理者の承認を待っています。",
    "invite.nothing_created": "受け付けられるアドレスがなかったため、何も依頼していません。",
    "invite.summary.accepted": "*受け付け：* {count} 件（この後の残りシート：{seats}）",
    "invite.summary.invalid": "*無効：* {count} 件",
    "invite.summary.duplicates": "*重複：* {count} 件",
    "invite.summary.already_here": "*このロールアウトで依頼済みまたは招待済み：* {count} 件",
    "invite.summary.elsewhere": "*ほかのロールアウトで使用済み：* {count} 件（1 つのアドレスが属せる MSI Actions インスタンスは 1 つだけです）",
    "invite.summary.over_limit": "*シートの上限 {limit} を超過：* {count} 件",
    "invite.item.invalid": "`{address}`：{reason}",
    "invite.item.line": "{line} 行目：`{address}`：{reason}",
    "email.missing": "アドレスがありません",
    "email.invalid": "有効なアドレスではありません",
    "email.too_long": "254 文字を超えています",
    "email.control_characters": "目に見えない制御文字が含まれています",
    "email.duplicate": "重複しています（最初は {first_line} 行目）",
    # ---- batches
    "batch.task.header": "{count} 人を MSI Actions に招待",
    "batch.task.body": "ロールアウト *{rollout}* （{environment}）のバッチ #{batch} です。{requester} が依頼し、{approver} が承認しました。リストは、このスレッドに CSV ファイル（Email、First Name、Last Name、Team）で添付しています。",
    "batch.task.how": "Marketo Sales アカウントで、歯車アイコン ›「設定」›「管理者設定」›「ユーザー管理」›「アクション」› *「CSV でユーザーを招待」* を開き、ファイルを選んでフィールドのマッピングを確認してから「招待」をクリックします。その後、ここで招待を送信済みにしてください。",
    "batch.task.sent": ":white_check_mark: {who} が {when} に招待を送信しました。",
    "batch.task.cancelled": ":heavy_minus_sign: {who} が {when} に中止しました。送信するものはありません。",
    "batch.button.sent": "招待を送信済みにする",
    "batch.confirm.title": "招待を送信しましたか？",
    "batch.confirm.text": "バッチ #{batch} の {count} 人を MSI Actions で招待したことを確認してください。",
    "batch.confirm.yes": "送信済み",
    "batch.confirm.no": "まだ",
    "batch.file_title": "招待バッチ #{batch}",
    "batch.file_comment": "バッチ #{batch}：ロールアウト *{rollout}* の招待対象者 {count} 人",
    "batch.fallback": "バッチ #{batch}：{rollout} の招待 {count} 件",
    "batch.subject": "招待バッチ #{batch}（{count} 人）",
    "batch.why": "承認すると、Marketo 管理者がこれらの人を MSI Actions に招待できるようになります。1 人につき、インスタンスの {limit} シートのうち 1 つを使います。",
    "batch.requester.header": "招待バッチ #{batch}",
    "batch.requester.body": "ロールアウト *{rollout}* の招待 {count} 件{source}。状態： *{state}*",
    "batch.requester.source_file": "（{file} から）",
    "batch.state.pending_approval": "Salesforce 管理者の承認待ち",
    "batch.state.approved": "承認済み（Marketo 管理者が送信します）",
    "batch.state.approved_waiting": "承認済み（ステップ 5「ユーザーを招待」が始まったら送信）",
    "batch.state.sent": "送信済み",
    "batch.state.rejected": "却下",
    "batch.state.cancelled": "中止",
    "batch.button.cancel": "バッチを中止",
    "batch.cancel.confirm.title": "このバッチを中止しますか？",
    "batch.cancel.confirm.text": "バッチ #{batch} とその招待 {count} 件を取り消します。アドレスとシートは再び使えるようになります。",
    "batch.cancel.confirm.yes": "バッチを中止",
    "batch.cancel.confirm.no": "中止しない",
    "batch.deny.sent": "招待を送信済みにできるのは、ロールアウトの Marketo 管理者だけです。",
    "batch.deny.cancel": "バッチ #{batch} を中止できるのは、依頼者またはロールアウトのオーナーだけです。",
    "batch.already": "バッチ #{batch} はすでに「{state}」です。何も変更していません。",
    "batch.notify.sent": "バッチ #{batch}（ロールアウト *{rollout}* ）の招待 {count} 件を {who} が送信しました。",
    "batch.notify.cancelled": "ロールアウト *{rollout}* のバッチ #{batch} は {who} によって中止されました。",
    "status.invitations": "*招待：* 承認待ち {requested} 件 · 承認済み {approved} 件 · 送信済み {sent} 件 · 却下 {rejected} 件 · 中止 {cancelled} 件 · シート {limit} のうち {seats} 使用中",
    "home.batches": "*未完了の招待バッチ*",
    "home.batch_line": "• バッチ #{batch}：招待 {count} 件、{state}",
    # ---- CSV uploads
    "csv.preview.header": "{file} からの招待",
    "csv.preview.rollout": "ロールアウト： *{rollout}*",
    "csv.preview.pick_rollout": "複数のロールアウトが進行中です。これらの招待の対象となるロールアウトを選んでください。",
    "csv.preview.file": "{rows} 行を読み込みました（{encoding}、区切り文字「{delimiter}」、見出しは {header_line} 行目）。",
    "csv.preview.file_headerless": "{rows} 行を読み込みました（{encoding}、見出し行なし）。",
    "csv.delimiter.tab": "タブ",
    "csv.preview.mapping": "*列：* メールアドレス ← {email} · 名 ← {first_name} · 姓 ← {last_name} · チーム ← {team}",
    "csv.preview.unmapped": "（なし）",
    "csv.preview.invalid_rows": "*使用できない行：*",
    "csv.preview.flagged": "*スプレッドシートの数式に見えるセル* （入力どおりに保持し、Marketo 管理者用のファイルでは無害化しています）：",
    "csv.preview.flagged_item": "{line} 行目、{field}：`{value}`",
    "csv.preview.expires": "この下書きは {when} まで保持されます。",
    "csv.preview.requested": ":white_check_mark: バッチ #{batch}（招待 {count} 件）として依頼しました。承認を待っています。",
    "csv.preview.cancelled": ":heavy_minus_sign: キャンセルしました。何も依頼していません。",
    "csv.preview.expired": ":hourglass: この下書きは期限切れになりました。最初からやり直すには、ファイルをもう一度アップロードしてください。",
    "csv.button.request": "招待を依頼",
    "csv.button.mapping": "マッピングを変更",
    "csv.button.cancel": "キャンセル",
    "csv.select.rollout": "ロールアウトを選択",
    "csv.mapping.title": "マッピングを変更",
    "csv.mapping.submit": "プレビューを更新",
    "csv.mapping.intro": "{file} のどの列に各項目が入っていますか？",
    "csv.mapping.none": "— ファイルにない —",
    "csv.mapping.error.email": "メールアドレスが入っている列を選んでください。",
    "csv.mapping.error.same": "この列はすでに別の項目に使われています。",
    "csv.field.email": "メールアドレス",
    "csv.field.first_name": "名",
    "csv.field.last_name": "姓",
    "csv.field.team": "チーム",
    "csv.expired": "この下書きは期限切れです（下書きの保持期間は 24 時間）。ファイルをもう一度アップロードしてください。",
    "csv.not_ready": "この下書きは現在使用できません（状態：{state}）。",
    "csv.state.pending": "読み込み中（まもなくプレビューが更新されます）",
    "csv.state.ready": "準備完了",
    "csv.state.failed": "読み取り不可",
    "csv.state.ignored": "無視",
    "csv.state.requested": "依頼済み",
    "csv.state.cancelled": "キャンセル済み",
    "csv.state.expired": "期限切れ",
    "csv.no_rollout": "先に、これらの招待の対象となるロールアウトを選んでください。",
    "csv.empty": "{file} は空のため使用できませんでした。",
    "csv.too_large": "{file} は 5 MB を超えているため使用できませんでした。小さいファイルに分割してください。",
    "csv.binary": "{file} はテキストの CSV ファイルではないため使用できませんでした。Excel では「ファイル」›「名前を付けて保存」›「CSV UTF-8」を使ってください。",
    "csv.undecodable": "{file} の文字コードを判別できないため使用できませんでした。CSV UTF-8 で保存して、もう一度アップロードしてください。",
    "csv.no_email_column": "{file} にはメールアドレスが入った列がないため使用できませんでした。「Email」列を追加して、もう一度アップロードしてください。",
    "csv.gone": "このファイルのプレビューが見つからなくなりました。新しいプレビューを作るには、ファイルをもう一度アップロードしてください。",
    "csv.deny.uploader": "このプレビューを使えるのは、{file} をアップロードした {uploader} だけです。何も変更していません。",
    "csv.malformed": "{file} は使用できませんでした。{line} 行目で開いた引用符が閉じられていないため、それ以降の行を読み取れません。",
    "csv.cell_too_long": "{file} は使用できませんでした。{line} 行目の行に {limit} 文字を超えるセルがあります。アドレス、名前、チームにこれほどの長さは必要ありません。ファイルがリストの CSV エクスポートであること（文書やログを .csv で保存したものでないこと）を確認するか、そのセルを分割して、もう一度アップロードしてください。",
    "csv.download_failed": "Slack から {file} をダウンロードできませんでした。少し待ってから、もう一度アップロードしてください。",
    "csv.foreign_host": "{file} はダウンロードしませんでした。Slack から渡されたリンクが、資格情報を送らないホスト（{host}）を指していたためです。",
    "csv.denied": "招待を依頼できるのはロールアウト *{rollout}* のオーナーと管理者だけのため、{file} は読み込んでいません。",
    "csv.no_active_rollout": "{file} を受け取りましたが、進行中のロールアウトがありません。`/msi start` で開始してから、もう一度アップロードしてください。",
    # ---- Japanese Excel columns, counts per category and the report of unusable rows (issues 16 and 17)
    "csv.field.full_name": "氏名",
    "csv.preview.mapping_full_name": "*列：* メールアドレス ← {email} · 氏名 ← {full_name}（姓と名に分割） · チーム ← {team}",
    "csv.preview.unsplit": "{count} 件の氏名は姓と名の間にスペースが 1 つではないため、氏名全体を姓として保持しています。",
    "csv.mapping.error.full_name": "氏名の列か、姓と名の列のどちらか一方を選んでください。",
    "invite.summary.problems": "*使用できないアドレス：*",
    "invite.reason.duplicate": "重複しています",
    "invite.reason.already_here": "このロールアウトで依頼済みまたは招待済みです",
    "invite.reason.elsewhere": "ロールアウト「{rollout}」で使用済みです",
    "invite.reason.over_limit": "シートの上限 {limit} を超えています",
    "csv.button.report": "レポートをダウンロード",
    "csv.report.title": "{file} の使用できない行",
    "csv.report.comment": "{file} の使用できない {count} 行です。元のファイルの列のまま、行ごとに理由を付けています。修正してから、ファイルをもう一度アップロードしてください。",
    "csv.report.gone": "{file} のレポートを送信できません。ファイルはもう保存されていません（24 時間の保持期間が過ぎたか、消去されました）。新しいプレビューとレポートを作るには、ファイルをもう一度アップロードしてください。",
    "csv.report.already_sent": "このプレビューのレポートはすでに送信しました。この会話の上のほうにあります。",
    "csv.report.nothing": "現在このファイルの行はすべて使用できるため、送信するレポートはありません。",
    "csv.report.column.line": "行",
    "csv.report.column.category": "問題",
    "csv.report.column.reason": "理由",
    "csv.report.category.invalid": "無効",
    "csv.report.category.duplicates": "重複",
    "csv.report.category.already_here": "依頼済みまたは招待済み",
    "csv.report.category.elsewhere": "ほかのロールアウトで使用済み",
    "csv.report.category.over_limit": "シートの上限を超過",
    # ---- reminders (SPEC section 6)
    "reminder.step": ":alarm_clock: {people}：ステップ {number}（{title}）は {waited}、対応待ちのままです。",
    "reminder.step.nobody": ":alarm_clock: ステップ {number}（{title}）は {waited}、対応待ちのままです。",
    "reminder.approval": ":alarm_clock: {people}：この依頼は {waited}、判断待ちのままです。",
    "reminder.approval.nobody": ":alarm_clock: この依頼は {waited}、判断待ちのままです。",
    "reminder.snooze": "スヌーズ",
    "reminder.snooze.hour": "1 時間後に再通知",
    "reminder.snooze.workday": "次の勤務日に再通知",
    "reminder.snooze.monday": "来週の月曜日に再通知",
    "reminder.snoozed": "スヌーズしました：{when} まで、この件のリマインダーは送りません。",
    "reminder.snoozed.thread": ":zzz: {who} がこのリマインダーを {when} までスヌーズしました。",
    "reminder.digest.header": ":alarm_clock: あなたの対応を待っている件が {count} 件あります：",
    "reminder.digest.step": "*{rollout}* ：ステップ {number}（{title}）は {waited}、対応待ちのままです。{link}",
    "reminder.digest.approval": "*{rollout}* ：{subject}は {waited}、判断待ちのままです。{link}",
    "reminder.digest.open": "開く",
    "reminder.deny.snooze": "スヌーズできるのは、このリマインダーの対象者だけです。",
    "reminder.nothing": "状況が進んだため、スヌーズするものはもうありません。",
    "reminder.escalation.step": "ロールアウト *{rollout}* のステップ {number}（{title}）は、{channel} で {count} 回リマインダーを送りましたが、{waited}、対応待ちのままです。",
    "reminder.escalation.approval": "ロールアウト *{rollout}* の{subject}は、{count} 回リマインダーを送りましたが、{waited}、Salesforce 管理者の判断待ちのままです。",
    "reminder.departed": "{who} はワークスペースを退出したため、ロールアウト *{rollout}* のリマインダーは送られなくなりました。ホームタブでロールアウトを編集し、別の担当者を指定してください。",
    "duration.minutes": "{count} 分",
    "duration.hours": "{count} 時間",
    "duration.days": "{count} 日",
    "home.pause": "リマインダーを一時停止",
    "home.resume": "リマインダーを再開",
    "home.paused": ":double_vertical_bar: リマインダーは一時停止中です。",
    # ---- verification in Salesforce (steps 6 and 7)
    "verify.button": "Salesforce で確認",
    "verify.heading": "*Salesforce で確認済み* （{who}、{when}）：",
    "verify.passed": ":white_check_mark: {name}：{outcome}",
    "verify.failed": ":x: {name}：{outcome}",
    "verify.warning": ":warning: {name}：{outcome}",
    "verify.deny": "Salesforce での確認を実行できるのは、ロールアウト *{rollout}* の Salesforce 管理者だけです。",
    "verify.not_configured": "{environment}のロールアウトでは、Salesforce での確認が設定されていません。",
    "verify.not_applicable": "Salesforce で確認できるのは、ステップ 6 と 7 だけです。",
    "verify.done": "ステップ {number} を Salesforce で確認しました：{outcome}。",
    "verify.outcome.passed": "すべての確認に合格しました",
    "verify.outcome.failed": "一部の確認に失敗しました。ステップのメッセージを確認してください",
    "override.title": "このまま完了にしますか？",
    "override.submit": "完了にする",
    "override.intro.failed": "前回の Salesforce での確認で、ステップ {number} に問題が見つかりました。それでも完了している場合は、理由を書いてください。理由は監査ログに記録されます。",
    "override.intro.unchecked": "ステップ {number} はまだ Salesforce で確認されていません。先にステップの *Salesforce で確認* をクリックするか、確認せずに完了とする理由を書いてください。理由は監査ログに記録されます。",
    "override.reason": "完了とする理由",
    "override.error.empty": "理由を入力するか、キャンセルして先に確認を実行してください。",
    "salesforce.invalid_url": "Salesforce の URL には、組織の「私のドメイン」（My Domain）のアドレス（例：https://yourcompany.my.salesforce.com）を指定してください。",
    "salesforce.invalid_client": "{host} の Salesforce がクライアント ID またはシークレットを拒否しました。ボットの設定で、接続アプリケーションのコンシューマ鍵とコンシューマの秘密を確認してください。",
    "salesforce.invalid_grant": "{host} の Salesforce がトークンを発行しませんでした：{description}。接続アプリケーションでクライアントログイン情報フロー（Client Credentials Flow）が有効で、「別のユーザーとして実行」（Run As）のユーザーが設定されていることを確認してください。",
    "salesforce.unreachable": "{host} の Salesforce に接続できませんでした（接続の失敗またはタイムアウト）。少し待ってから、もう一度試してください。",
    "salesforce.request_limit": "{host} の Salesforce は、現在 API リクエストの上限に達しています。後でもう一度試してください。",
    "salesforce.session_expired": "{host} の Salesforce が新しいセッションを拒否しました。接続アプリケーションのセッションポリシーと、「別のユーザーとして実行」（Run As）のユーザーを確認してください。",
    "salesforce.unexpected": "{host} の Salesforce から予期しない応答がありました（HTTP {status}）。接続アプリケーションのユーザーに API アクセス権と「設定・定義を参照する」権限があることを確認してください。",
    "salesforce.check.package_installed.name": "Marketo Sales Insight パッケージのインストール",
    "salesforce.check.package_installed.passed": "インストール済み、バージョン {version}",
    "salesforce.check.package_installed.missing": "インストールされていません。AppExchange から「Marketo Sales Insight」をインストールしてください。インストール後は「設定」›「インストール済みパッケージ」に表示されます",
    "salesforce.check.permission_set_support.name": "パッケージが「Marketo App Access」権限セットに対応",
    "salesforce.check.permission_set_support.passed": "バージョン {version} は {minimum} 以降です",
    "salesforce.check.permission_set_support.too_old": "バージョン {version} は、権限セットに必要な {minimum} より古いバージョンです。パッケージをアップグレードしてください（まずサンドボックスで試してください）",
    "salesforce.check.remote_site.name": "{url} のリモートサイトの設定",
    "salesforce.check.remote_site.passed": "有効（{site_name}）",
    "salesforce.check.remote_site.missing": "見つかりません。「設定」›「リモートサイトの設定」›「新規リモートサイト」で、URL {url} を追加してください",
    "salesforce.check.remote_site.inactive": "「{site_name}」はありますが、無効です。「設定」›「リモートサイトの設定」で編集し、「有効」（Active）にチェックを入れてください",
    # ---- delivery problems reported to the owner
    "delivery.not_in_channel": (
        "ロールアウト *{rollout}* について {channel} に投稿できませんでした。私がメンバーではありません。"
        "そのチャンネルで `/invite @MSI Rollouts` と入力して招待してください。失敗したメッセージは再送しません。"
    ),
    "delivery.is_archived": (
        "ロールアウト *{rollout}* について {channel} に投稿できませんでした。チャンネルがアーカイブされています。"
        "アーカイブを解除するか、ロールアウトの投稿先を別のチャンネルに変更してください。"
    ),
    "delivery.channel_not_found": (
        "ロールアウト *{rollout}* についてチャンネル {channel} に投稿できませんでした。チャンネルが存在しないか、"
        "私から見えません。ロールアウトの投稿先を別のチャンネルに変更してください。"
    ),
    # ---- generic answers
    "error.generic": "こちら側で問題が起き、何も変更していません。少し待ってから、もう一度試してください。",
    # ---- dates, lists: the word order of a language, used by bot.texts.Texts
    # Slack's `<!date>` format: its {placeholders} are Slack's date tokens, filled by Slack, not by us.
    "date.token": "{date_short_pretty} {time}",
    "date.fallback": "{date} {time} UTC",
    "list.separator": "、",
    "list.quoted": "「{value}」",
    "list.none": "なし",
    "list.more": "…ほか {count} 件",
    # ---- /msi doctor and msi-bot doctor (issue 19)
    "doctor.header": "診断：{total} 項目中 {passed} 項目が正常",
    "doctor.line": "{mark} *{check}* ：",
    "doctor.check.token": "ボットトークン",
    "doctor.check.scopes": "スコープ",
    "doctor.check.channels": "チャンネル",
    "doctor.check.members": "メンバー",
    "doctor.check.salesforce": "Salesforce 組織",
    "doctor.check.database": "データベース",
    "doctor.check.outbox": "通知",
    "doctor.skipped.token": "ボットトークンが使えないため、確認していません。",
    "doctor.skipped.database": "データベースが応答しないため、確認していません。",
    "doctor.token.ok": "有効です（ワークスペース {team}）。",
    "doctor.token.refused": "Slack に拒否されました（{error}）。アプリがアンインストールされたか、トークンが取り消されています。manifest.yml からアプリを再インストールし、新しい SLACK_BOT_TOKEN を設定してボットを再起動してください。",
    "doctor.token.error": "Slack の auth.test が失敗しました（{error}）。1 分ほどして再度お試しください。続く場合は status.slack.com をご確認ください。",
    "doctor.token.unreachable": "Slack から応答がありません。ボットのホストから SLACK_API_URL に接続できるかご確認ください。",
    "doctor.scopes.ok": "manifest.yml の {count} 個のスコープがすべて付与されています。",
    "doctor.scopes.missing": "{scopes} が不足しています。manifest.yml でアプリを更新するか「OAuth & Permissions」で追加し、再インストールしてください。",
    "doctor.scopes.unknown": "付与されたスコープを Slack が返しませんでした。「OAuth & Permissions」と manifest.yml を比べてください。",
    "doctor.channels.ok": "有効なロールアウト {rollouts} 件のチャンネル {count} 個すべてにボットが参加しています。",
    "doctor.channels.not_found": "ロールアウト「{rollout}」の {channel} が見つかりません（{error}）。ホームタブの「編集」で別のチャンネルを選んでください。",
    "doctor.channels.archived": "ロールアウト「{rollout}」の {channel} はアーカイブされています。アーカイブを解除するか、「編集」で別のチャンネルを選んでください。",
    "doctor.channels.not_member": "ボットが {channel}（ロールアウト「{rollout}」）に参加していません。そのチャンネルにアプリを追加してください。",
    "doctor.channels.unreachable": "ロールアウト「{rollout}」の {channel} を確認できませんでした（Slack が応答しません）。再度お試しください。",
    "doctor.members.ok": "有効なロールアウトに登録された {count} 人全員がワークスペースにいます。",
    "doctor.members.gone": "{user}（ロールアウト「{rollout}」）はワークスペースにいません。「編集」で別の人を指定してください。",
    "doctor.members.unreachable": "{user}（ロールアウト「{rollout}」）を確認できませんでした。再度お試しください。",
    "doctor.members.group_empty": "ユーザーグループ {group}（ロールアウト「{rollout}」）にはメンバーがいないか、無効になっています。このグループではこの役割を担う人がいません。Slack でメンバーを追加するか、「編集」で変更してください。",
    "doctor.members.group_unreachable": "ユーザーグループ {group}（ロールアウト「{rollout}」）を確認できませんでした。再度お試しください。",
    "doctor.salesforce.none": "組織が設定されていない（SALESFORCE_URL）ため、ステップ 6 と 7 は担当者が確認します。",
    "doctor.salesforce.ok": "認証情報は有効です（{environments}）。",
    "doctor.salesforce.failed": "{environment}：{reason}",
    "doctor.database.ok": "応答があり、スキーマは最新です（{head}）。",
    "doctor.database.down": "応答がありません。DATABASE_URL と、データベースが起動しているかをご確認ください。",
    "doctor.database.behind": "スキーマは {current} ですが、このバージョンには {head} が必要です。ボットを再起動してください（起動時にスキーマを更新します）。",
    "doctor.outbox.ok": "配信されています（現在 {count} 件が配信待ち）。",
    "doctor.outbox.stuck": "{since} から {count} 件が配信されていません。ボットのログで Slack のエラーを確認し、プロセスが動いているかご確認ください。",
    "doctor.denied": "診断を実行できるのは、ロールアウトのオーナーと管理者だけです。",
    "doctor.checking": "デプロイを診断しています。結果はまもなく届きます。",
    # ---- user groups as personas (Start and Edit)
    "start.marketo_groups.label": "Marketo 管理者のユーザーグループ",
    "start.salesforce_groups.label": "Salesforce 管理者のユーザーグループ",
    "start.groups.hint": "任意。選んだグループの現在のメンバー全員が対象になります。メンバーの変更は Slack 側に従います。",
    "start.groups.hint.cut": "任意。ユーザーグループ {count} 件のうち、ハンドル順に最初の {limit} 件だけを表示しています。見つからない場合は、メンバーを個別に選んでください。",
    "start.groups.placeholder": "ユーザーグループを選択",
    "start.groups.missing_scope": ":information_source: アプリに `usergroups:read` スコープがないため、ユーザーグループを選べません。今はメンバーを個別に選び、ワークスペースの管理者にマニフェストからアプリを再インストールするよう依頼してください。",
    "start.groups.unavailable": ":information_source: Slack からユーザーグループの一覧が時間内に返りませんでした。メンバーを個別に選ぶか、このフォームを開き直してグループを選んでください。",
    "start.error.groups_missing_scope": "アプリに `usergroups:read` スコープがないため、これらのユーザーグループのメンバーを確認できません。今はグループを外してメンバーを個別に選び、ワークスペースの管理者にマニフェストからアプリを再インストールするよう依頼してください。",
    "start.error.groups_unavailable": "Slack からユーザーグループのメンバーが時間内に返りませんでした。もう一度送信してください。",
    "start.error.group_empty.one": "{groups} にはメンバーがいないため、このグループではこの役割を担う人がいません。Slack でメンバーを追加するか、ここでメンバーを個別に選んでください。",
    "start.error.group_empty.many": "{groups} にはメンバーがいないため、これらのグループではこの役割を担う人がいません。Slack でメンバーを追加するか、ここでメンバーを個別に選んでください。",
    # ---- a rollout's own non-working dates (Edit)
    "edit.off_dates.label": "非稼働日",
    "edit.off_dates.hint": "この日はリマインダーを送りません（各メンバーの現地の日付で判断します）。1 行に 1 つの日付または期間を書き、後ろにメモを付けられます。",
    "edit.off_dates.placeholder": "2026-12-29..2027-01-03 年末年始",
    "edit.off_dates.error.not_a_date": "{number} 行目は日付または期間ではありません：「{line}」。2026-12-29 や 2026-12-29..2027-01-03 のように、1 行に 1 つずつ書いてください。",
    "edit.off_dates.error.backwards": "{number} 行目は終了日が開始日より前です：「{line}」。早い日付を先に書いてください。",
    "edit.off_dates.error.too_long": "{number} 行目の期間が 1 年を超えています：「{line}」。短い期間に分けてください。",
    "edit.off_dates.error.too_many": "日付は {limit} 行以内にしてください。",
    "status.off_dates": "*非稼働日* （リマインダーなし）：{dates}",
    "status.off_dates.range": "{first}～{last}",
}
