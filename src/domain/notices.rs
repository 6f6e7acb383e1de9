//! Notices by mail that an operator may turn off in My profile. Security notices — a key
//! registered with their password through `/api/v1/register`, a new secret rolled for a key
//! of theirs — are not among them: they are always sent, so a stolen password or session
//! cannot mint or take over keys quietly — nor is any change to a person's key made by
//! someone else (`changes::credentials::tell_owner_of`).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// A key of theirs was made (by them or someone else).
    KeyCreated,
    KeyDeleted,
    KeyDeactivated,
    /// One of their keys expires within a week.
    KeyExpiring,
    /// One of their keys was used from a network it was never used from.
    KeyNewNetwork,
    /// A machine's key was made, deleted or deactivated (to those with *Machines / Write*,
    /// when `KEYWARD_MAIL_MACHINE_KEY_CHANGES` is on).
    MachineKeys,
}

impl Notice {
    pub const ALL: [Notice; 6] = [
        Notice::KeyCreated,
        Notice::KeyDeleted,
        Notice::KeyDeactivated,
        Notice::KeyExpiring,
        Notice::KeyNewNetwork,
        Notice::MachineKeys,
    ];

    /// Stored in `operators.muted_notices` and sent by the form.
    pub fn code(self) -> &'static str {
        match self {
            Notice::KeyCreated => "key_created",
            Notice::KeyDeleted => "key_deleted",
            Notice::KeyDeactivated => "key_deactivated",
            Notice::KeyExpiring => "key_expiring",
            Notice::KeyNewNetwork => "key_new_network",
            Notice::MachineKeys => "machine_keys",
        }
    }

    pub fn parse(code: &str) -> Option<Notice> {
        Notice::ALL.into_iter().find(|n| n.code() == code)
    }

    /// Catalog key of its name in My profile.
    pub fn label_key(self) -> &'static str {
        match self {
            Notice::KeyCreated => "notices.key_created",
            Notice::KeyDeleted => "notices.key_deleted",
            Notice::KeyDeactivated => "notices.key_deactivated",
            Notice::KeyExpiring => "notices.key_expiring",
            Notice::KeyNewNetwork => "notices.key_new_network",
            Notice::MachineKeys => "notices.machine_keys",
        }
    }
}

/// The notices a stored list turns off (unknown codes, from a later version, are kept out).
pub fn muted(stored: &str) -> Vec<Notice> {
    stored
        .split_whitespace()
        .filter_map(Notice::parse)
        .collect()
}

/// The stored form of a list, in a fixed order.
pub fn stored(muted: &[Notice]) -> String {
    Notice::ALL
        .into_iter()
        .filter(|n| muted.contains(n))
        .map(Notice::code)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_reads_back_as_stored_whatever_its_order_and_unknown_codes() {
        let list = stored(&[Notice::MachineKeys, Notice::KeyCreated]);
        assert_eq!(list, "key_created machine_keys");
        assert_eq!(
            muted(&format!("{list} from_the_future")),
            [Notice::KeyCreated, Notice::MachineKeys]
        );
        assert!(muted("").is_empty());
    }
}
