//! Permissions: an area and a level, granted by groups. The built-in Administrators group
//! may do everything; Write implies Read in the same area. Every operator may always manage
//! their own keys, whatever their groups.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    OperatorsRead,
    OperatorsWrite,
    MachinesRead,
    MachinesWrite,
    AuditRead,
    SettingsWrite,
}

impl Permission {
    pub const ALL: [Permission; 6] = [
        Permission::OperatorsRead,
        Permission::OperatorsWrite,
        Permission::MachinesRead,
        Permission::MachinesWrite,
        Permission::AuditRead,
        Permission::SettingsWrite,
    ];

    /// Stored in `group_permissions.permission`.
    pub fn code(self) -> &'static str {
        match self {
            Permission::OperatorsRead => "operators.read",
            Permission::OperatorsWrite => "operators.write",
            Permission::MachinesRead => "machines.read",
            Permission::MachinesWrite => "machines.write",
            Permission::AuditRead => "audit.read",
            Permission::SettingsWrite => "settings.write",
        }
    }

    pub fn parse(code: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.code() == code)
    }

    /// Catalog key of the full name, e.g. « Gestion des droits / Machines / Écriture ».
    pub fn label_key(self) -> &'static str {
        match self {
            Permission::OperatorsRead => "perm.operators_read",
            Permission::OperatorsWrite => "perm.operators_write",
            Permission::MachinesRead => "perm.machines_read",
            Permission::MachinesWrite => "perm.machines_write",
            Permission::AuditRead => "perm.audit_read",
            Permission::SettingsWrite => "perm.settings_write",
        }
    }

    /// The permission that also grants this one (Write grants Read).
    fn implied_by(self) -> Option<Permission> {
        match self {
            Permission::OperatorsRead => Some(Permission::OperatorsWrite),
            Permission::MachinesRead => Some(Permission::MachinesWrite),
            _ => None,
        }
    }
}

/// What one operator may do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    pub admin: bool,
    pub granted: Vec<Permission>,
}

impl Grants {
    pub fn from_codes(admin: bool, codes: &[String]) -> Self {
        Grants {
            admin,
            granted: codes.iter().filter_map(|c| Permission::parse(c)).collect(),
        }
    }

    /// What both may do: a key made by one operator for another acts with no more than
    /// either holds.
    pub fn both(&self, other: &Grants) -> Grants {
        Grants {
            admin: self.admin && other.admin,
            granted: Permission::ALL
                .into_iter()
                .filter(|p| self.allows(*p) && other.allows(*p))
                .collect(),
        }
    }

    pub fn allows(&self, p: Permission) -> bool {
        self.admin
            || self.granted.contains(&p)
            || p.implied_by().is_some_and(|w| self.granted.contains(&w))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_implies_read_and_admins_may_all() {
        let g = Grants::from_codes(false, &["machines.write".into(), "nonsense".into()]);
        assert!(g.allows(Permission::MachinesWrite));
        assert!(g.allows(Permission::MachinesRead));
        assert!(!g.allows(Permission::OperatorsRead));
        assert!(!g.allows(Permission::AuditRead));
        let admin = Grants {
            admin: true,
            granted: vec![],
        };
        assert!(Permission::ALL.iter().all(|p| admin.allows(*p)));
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.code()), Some(p));
        }
    }
}
