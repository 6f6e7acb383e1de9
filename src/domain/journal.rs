//! What the audit journal records: every action and every kind of actor, each with its
//! stored code and the catalog key of its English and French label. Adding an action here
//! is the one way to journal something new; the filter on the journal page lists them all.

macro_rules! actions {
    ($($variant:ident => $code:literal),+ $(,)?) => {
        /// One kind of journalled event.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action {
            $($variant),+
        }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant),+];

            /// Stored in `audit_events.action`, and in the CSV export.
            pub fn code(self) -> &'static str {
                match self {
                    $(Action::$variant => $code),+
                }
            }

            /// Catalog key of the label: `action.` and the code.
            pub fn label_key(self) -> &'static str {
                match self {
                    $(Action::$variant => concat!("action.", $code)),+
                }
            }
        }
    };
}

actions! {
    CredentialCreated => "credential.created",
    CredentialRegistered => "credential.registered",
    CredentialImported => "credential.imported",
    CredentialRenamed => "credential.renamed",
    CredentialActivated => "credential.activated",
    CredentialDeactivated => "credential.deactivated",
    CredentialExpiryChanged => "credential.expiry_changed",
    CredentialAllowlistChanged => "credential.allowlist_changed",
    CredentialNoticeChanged => "credential.notice_changed",
    CredentialScopesChanged => "credential.scopes_changed",
    CredentialRateLimitChanged => "credential.rate_limit_changed",
    CredentialDeleted => "credential.deleted",
    CredentialRolled => "credential.rolled",
    CredentialPreviousRetired => "credential.previous_retired",
    CredentialRollWindowEnded => "credential.roll_window_ended",
    CredentialRollWindowExtended => "credential.roll_window_extended",
    CredentialNewNetwork => "credential.new_network",
    CredentialLeakReported => "credential.leak_reported",
    CredentialCanaryUsed => "credential.canary_used",
    CredentialHandedOver => "credential.handed_over",
    CredentialExpiring => "credential.expiring",
    CredentialExpired => "credential.expired",
    ApiAuthFailed => "api.auth_failed",
    OperatorCreated => "operator.created",
    OperatorInvited => "operator.invited",
    OperatorUpdated => "operator.updated",
    OperatorActivated => "operator.activated",
    OperatorDeactivated => "operator.deactivated",
    OperatorDeleted => "operator.deleted",
    OperatorPasswordSet => "operator.password_set",
    OperatorPasswordChanged => "operator.password_changed",
    OperatorPasswordResetRequested => "operator.password_reset_requested",
    OperatorPasswordReset => "operator.password_reset",
    SigninSucceeded => "signin.succeeded",
    SigninFailed => "signin.failed",
    GroupCreated => "group.created",
    GroupRenamed => "group.renamed",
    GroupDeleted => "group.deleted",
    GroupMemberAdded => "group.member_added",
    GroupMemberRemoved => "group.member_removed",
    GroupPermissionsChanged => "group.permissions_changed",
    MachineCreated => "machine.created",
    MachineRenamed => "machine.renamed",
    MachineUpdated => "machine.updated",
    MachineDeleted => "machine.deleted",
    AccountRateLimitChanged => "account.rate_limit_changed",
    AccountDormancyChanged => "account.dormancy_changed",
    AccountLeakActionChanged => "account.leak_action_changed",
    AccountCreated => "account.created",
    AccountRenamed => "account.renamed",
    AccountActivated => "account.activated",
    AccountDeactivated => "account.deactivated",
    AccountDeleted => "account.deleted",
    AccountMailChanged => "account.mail_changed",
    AccountRetentionChanged => "account.retention_changed",
    CredentialDormantNoticed => "credential.dormant_noticed",
    CredentialDormantDeactivated => "credential.dormant_deactivated",
    ScopeCreated => "scope.created",
    ScopeUpdated => "scope.updated",
    ScopeDeleted => "scope.deleted",
    WebhookCreated => "webhook.created",
    WebhookUpdated => "webhook.updated",
    WebhookDeleted => "webhook.deleted",
    WebhookDisabled => "webhook.disabled",
    AuditPruned => "audit.pruned",
}

impl Action {
    pub fn parse(code: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.code() == code)
    }
}

/// Who did something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    /// A person signed in to the console (or a script with their email and password).
    Operator,
    /// A credential calling the API.
    Credential,
    /// Keyward itself: setup, the command line, reminders, the journal's own pruning.
    System,
}

impl ActorKind {
    pub const ALL: [ActorKind; 3] = [
        ActorKind::Operator,
        ActorKind::Credential,
        ActorKind::System,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ActorKind::Operator => "operator",
            ActorKind::Credential => "credential",
            ActorKind::System => "system",
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            ActorKind::Operator => "actor.operator",
            ActorKind::Credential => "actor.credential",
            ActorKind::System => "actor.system",
        }
    }

    pub fn parse(code: &str) -> Option<ActorKind> {
        ActorKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_read_back() {
        for a in Action::ALL {
            assert_eq!(Action::parse(a.code()), Some(*a));
            assert_eq!(
                Action::ALL.iter().filter(|b| b.code() == a.code()).count(),
                1
            );
        }
        for k in ActorKind::ALL {
            assert_eq!(ActorKind::parse(k.code()), Some(k));
        }
    }
}
