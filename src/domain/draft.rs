//! Staged changes to one operator's API accounts (the *API management* tab).
//!
//! Nothing here takes effect until Save. The draft remembers the saved rows it was based on
//! (`snapshot`, `base_version`) so that Save can refuse, and explain, when somebody else
//! changed the same operator's API accounts meanwhile.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A saved credential as the draft saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedRow {
    pub public_id: String,
    pub label: String,
    pub active: bool,
    /// Stored form (`domain::scopes::stored`); drafts started before scopes existed have none.
    #[serde(default)]
    pub scopes: String,
    /// When it was last rolled: a roll made elsewhere is a change the draft must hear of.
    #[serde(default)]
    pub rolled_at: Option<chrono::NaiveDateTime>,
}

/// How many keys one Save may roll: their new secrets travel to the page in one cookie.
pub const MAX_ROLLS: usize = 5;

/// What will happen to one saved credential at Save.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    pub label: Option<String>,
    pub active: Option<bool>,
    /// New stored scopes (empty: none).
    #[serde(default)]
    pub scopes: Option<String>,
    /// A roll, by its grace window's code (`PT24H`): the new secret is made by Save and
    /// shown after it, never kept in the draft.
    #[serde(default)]
    pub roll: Option<String>,
    pub delete: bool,
}

/// A credential that will be created at Save. Only the secret's hash is kept: the secret
/// itself was shown once, when it was staged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StagedAdd {
    pub public_id: String,
    pub secret_hash: String,
    pub label: String,
    pub active: bool,
    /// When it will stop working (UTC); drafts staged before expiry existed have none.
    #[serde(default)]
    pub expires_at: Option<chrono::NaiveDateTime>,
    /// Stored form (`domain::scopes::stored`); drafts staged before scopes existed have none.
    #[serde(default)]
    pub scopes: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub base_version: i32,
    pub snapshot: Vec<SavedRow>,
    pub edits: BTreeMap<String, Edit>,
    pub adds: Vec<StagedAdd>,
}

/// One row as the tab shows it: the saved state with the staged change on top.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowView {
    pub label: String,
    pub active: bool,
    pub scopes: String,
    pub change: RowChange,
}

/// What marks a row as changed on the tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowChange {
    pub new: bool,
    pub deleting: bool,
    /// The saved label, when a rename is staged.
    pub renamed_from: Option<String>,
    /// The saved status, when an (de)activation is staged.
    pub status_changed: bool,
    /// The saved scopes, when a change of them is staged.
    pub scopes_from: Option<String>,
    /// The grace window's code, when a roll is staged.
    pub rolling: Option<String>,
}

/// Something another administrator changed since the draft was started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    Added {
        public_id: String,
        label: String,
    },
    Deleted {
        public_id: String,
        label: String,
    },
    Renamed {
        public_id: String,
        from: String,
        to: String,
    },
    StatusChanged {
        public_id: String,
        label: String,
        active: bool,
    },
    ScopesChanged {
        public_id: String,
        label: String,
        to: String,
    },
    Rolled {
        public_id: String,
        label: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageError {
    /// The row is not (or no longer) one of this operator's API accounts.
    UnknownRow,
    /// A key staged to be added has no secret to roll yet.
    NotSaved,
    /// `MAX_ROLLS` rolls are staged already.
    TooManyRolls,
}

impl RowChange {
    pub const UNCHANGED: RowChange = RowChange {
        new: false,
        deleting: false,
        renamed_from: None,
        status_changed: false,
        scopes_from: None,
        rolling: None,
    };
}

impl Draft {
    pub fn new(base_version: i32, snapshot: Vec<SavedRow>) -> Self {
        Draft {
            base_version,
            snapshot,
            edits: BTreeMap::new(),
            adds: Vec::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.adds.is_empty() && self.edits.values().all(|e| *e == Edit::default())
    }

    /// How many changes Save will make: a rename and a deactivation of one row are two.
    pub fn change_count(&self) -> usize {
        self.adds.len()
            + self
                .edits
                .values()
                .map(|e| {
                    if e.delete {
                        1
                    } else {
                        usize::from(e.label.is_some())
                            + usize::from(e.active.is_some())
                            + usize::from(e.scopes.is_some())
                            + usize::from(e.roll.is_some())
                    }
                })
                .sum::<usize>()
    }

    fn saved(&self, public_id: &str) -> Option<&SavedRow> {
        self.snapshot.iter().find(|r| r.public_id == public_id)
    }

    fn staged_mut(&mut self, public_id: &str) -> Option<&mut StagedAdd> {
        self.adds.iter_mut().find(|a| a.public_id == public_id)
    }

    pub fn add(&mut self, add: StagedAdd) {
        self.adds.push(add);
    }

    pub fn rename(&mut self, public_id: &str, label: String) -> Result<(), StageError> {
        if let Some(add) = self.staged_mut(public_id) {
            add.label = label;
            return Ok(());
        }
        let saved = self.saved(public_id).ok_or(StageError::UnknownRow)?;
        let label = (saved.label != label).then_some(label);
        self.edits.entry(public_id.to_owned()).or_default().label = label;
        self.prune();
        Ok(())
    }

    pub fn set_active(&mut self, public_id: &str, active: bool) -> Result<(), StageError> {
        if let Some(add) = self.staged_mut(public_id) {
            add.active = active;
            return Ok(());
        }
        let saved = self.saved(public_id).ok_or(StageError::UnknownRow)?;
        let active = (saved.active != active).then_some(active);
        self.edits.entry(public_id.to_owned()).or_default().active = active;
        self.prune();
        Ok(())
    }

    /// Stages new scopes (stored form): checked against what the person may give at Save.
    pub fn set_scopes(&mut self, public_id: &str, scopes: String) -> Result<(), StageError> {
        if let Some(add) = self.staged_mut(public_id) {
            add.scopes = scopes;
            return Ok(());
        }
        let saved = self.saved(public_id).ok_or(StageError::UnknownRow)?;
        let scopes = (saved.scopes != scopes).then_some(scopes);
        self.edits.entry(public_id.to_owned()).or_default().scopes = scopes;
        self.prune();
        Ok(())
    }

    /// Stages a roll of a saved key with the grace window `grace` (a code the caller checked).
    pub fn roll(&mut self, public_id: &str, grace: String) -> Result<(), StageError> {
        if self.staged_mut(public_id).is_some() {
            return Err(StageError::NotSaved);
        }
        self.saved(public_id).ok_or(StageError::UnknownRow)?;
        let staged = self.edits.values().filter(|e| e.roll.is_some()).count();
        let edit = self.edits.entry(public_id.to_owned()).or_default();
        if edit.roll.is_none() && staged >= MAX_ROLLS {
            self.prune();
            return Err(StageError::TooManyRolls);
        }
        edit.roll = Some(grace);
        Ok(())
    }

    /// The rolls Save will make, in the list's order (not of keys it deletes): public id
    /// and grace code.
    pub fn rolls(&self) -> impl Iterator<Item = (&str, &str)> {
        self.snapshot.iter().filter_map(|row| {
            let edit = self.edits.get(&row.public_id).filter(|e| !e.delete)?;
            let grace = edit.roll.as_deref()?;
            Some((row.public_id.as_str(), grace))
        })
    }

    /// Deleting a staged add simply forgets it; deleting a saved row is staged.
    pub fn delete(&mut self, public_id: &str) -> Result<(), StageError> {
        if self.staged_mut(public_id).is_some() {
            self.adds.retain(|a| a.public_id != public_id);
            return Ok(());
        }
        self.saved(public_id).ok_or(StageError::UnknownRow)?;
        self.edits.entry(public_id.to_owned()).or_default().delete = true;
        Ok(())
    }

    /// Takes back every staged change to one saved row.
    pub fn undo(&mut self, public_id: &str) {
        self.edits.remove(public_id);
    }

    fn prune(&mut self) {
        self.edits.retain(|_, e| *e != Edit::default());
    }

    /// The label, status and scopes a row will have after Save, and what marks it as changed.
    pub fn view(&self, row: &SavedRow) -> RowView {
        if let Some(add) = self.adds.iter().find(|a| a.public_id == row.public_id) {
            return RowView {
                label: add.label.clone(),
                active: add.active,
                scopes: add.scopes.clone(),
                change: RowChange {
                    new: true,
                    ..RowChange::UNCHANGED
                },
            };
        }
        let edit = self.edits.get(&row.public_id).cloned().unwrap_or_default();
        RowView {
            label: edit.label.clone().unwrap_or_else(|| row.label.clone()),
            active: edit.active.unwrap_or(row.active),
            scopes: edit.scopes.clone().unwrap_or_else(|| row.scopes.clone()),
            change: RowChange {
                new: false,
                deleting: edit.delete,
                renamed_from: edit.label.as_ref().map(|_| row.label.clone()),
                status_changed: edit.active.is_some(),
                scopes_from: edit.scopes.as_ref().map(|_| row.scopes.clone()),
                rolling: edit.roll.clone(),
            },
        }
    }

    /// What differs between the rows this draft started from and the rows saved now.
    pub fn conflicts(&self, current: &[SavedRow]) -> Vec<Conflict> {
        let mut out = Vec::new();
        for old in &self.snapshot {
            match current.iter().find(|r| r.public_id == old.public_id) {
                None => out.push(Conflict::Deleted {
                    public_id: old.public_id.clone(),
                    label: old.label.clone(),
                }),
                Some(now) => {
                    if now.label != old.label {
                        out.push(Conflict::Renamed {
                            public_id: now.public_id.clone(),
                            from: old.label.clone(),
                            to: now.label.clone(),
                        });
                    }
                    if now.active != old.active {
                        out.push(Conflict::StatusChanged {
                            public_id: now.public_id.clone(),
                            label: now.label.clone(),
                            active: now.active,
                        });
                    }
                    if now.scopes != old.scopes {
                        out.push(Conflict::ScopesChanged {
                            public_id: now.public_id.clone(),
                            label: now.label.clone(),
                            to: now.scopes.clone(),
                        });
                    }
                    if now.rolled_at != old.rolled_at {
                        out.push(Conflict::Rolled {
                            public_id: now.public_id.clone(),
                            label: now.label.clone(),
                        });
                    }
                }
            }
        }
        for now in current
            .iter()
            .filter(|r| self.saved(&r.public_id).is_none())
        {
            out.push(Conflict::Added {
                public_id: now.public_id.clone(),
                label: now.label.clone(),
            });
        }
        out
    }

    /// Keeps this draft's changes but bases it on the rows saved now, so Save can be retried
    /// after the administrator has read what changed. Edits of rows that are gone are dropped.
    pub fn rebase(&mut self, version: i32, current: Vec<SavedRow>) {
        self.base_version = version;
        let old_rows = std::mem::replace(&mut self.snapshot, current);
        let snapshot = &self.snapshot;
        // A staged key that is saved already (its Save committed, but the browser never
        // heard back) is not added twice.
        self.adds
            .retain(|add| !snapshot.iter().any(|r| r.public_id == add.public_id));
        self.edits
            .retain(|id, _| snapshot.iter().any(|r| &r.public_id == id));
        // A key rolled since its roll was staged is not rolled again by a retry: the secret
        // just handed out (or revealed by a Save that committed) must not be replaced unseen.
        for (id, edit) in self.edits.iter_mut() {
            let before = old_rows.iter().find(|r| &r.public_id == id);
            let now = snapshot.iter().find(|r| &r.public_id == id);
            let rolled_since = before
                .zip(now)
                .is_some_and(|(b, n)| b.rolled_at != n.rolled_at);
            if rolled_since {
                edit.roll = None;
            }
        }
        let edits: Vec<(String, Edit)> = std::mem::take(&mut self.edits).into_iter().collect();
        for (id, edit) in edits {
            // Re-stage through the normal path so edits that became no-ops disappear.
            if edit.delete {
                let _ = self.delete(&id);
            }
            if let Some(label) = edit.label {
                let _ = self.rename(&id, label);
            }
            if let Some(active) = edit.active {
                let _ = self.set_active(&id, active);
            }
            if let Some(scopes) = edit.scopes {
                let _ = self.set_scopes(&id, scopes);
            }
            if let Some(grace) = edit.roll {
                let _ = self.roll(&id, grace);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, label: &str, active: bool) -> SavedRow {
        SavedRow {
            public_id: id.into(),
            label: label.into(),
            active,
            scopes: String::new(),
            rolled_at: None,
        }
    }

    #[test]
    fn staging_and_undoing() {
        let mut d = Draft::new(3, vec![row("a", "CI", true), row("b", "Backup", true)]);
        assert!(d.is_empty());
        d.rename("a", "Deploys".into()).expect("known");
        d.set_active("b", false).expect("known");
        assert_eq!(d.change_count(), 2);
        // A rename and a deactivation of one row are two changes; deleting it is one.
        d.set_active("a", false).expect("known");
        assert_eq!(d.change_count(), 3);
        d.delete("a").expect("known");
        assert_eq!(d.change_count(), 2);
        d.undo("a");
        d.rename("a", "Deploys".into()).expect("known");
        // Renaming back to the saved label is no change at all.
        d.rename("a", "CI".into()).expect("known");
        d.set_active("b", true).expect("known");
        assert!(d.is_empty());
        assert_eq!(d.rename("zzz", "x".into()), Err(StageError::UnknownRow));
        d.delete("a").expect("known");
        assert!(d.view(&row("a", "CI", true)).change.deleting);
        d.undo("a");
        assert!(d.is_empty());
    }

    #[test]
    fn staging_scopes() {
        let mut d = Draft::new(1, vec![row("a", "CI", true)]);
        d.set_scopes("a", "billing:read".into()).expect("known");
        assert_eq!(d.change_count(), 1);
        let view = d.view(&row("a", "CI", true));
        assert_eq!(view.scopes, "billing:read");
        assert_eq!(view.change.scopes_from.as_deref(), Some(""));
        // Back to what is saved: no change left.
        d.set_scopes("a", String::new()).expect("known");
        assert!(d.is_empty());
        // Somebody else changed the scopes meanwhile: said, and a rebase keeps the edit.
        d.set_scopes("a", "billing:read".into()).expect("known");
        let mut now = row("a", "CI", true);
        now.scopes = "billing:write".into();
        assert_eq!(
            d.conflicts(std::slice::from_ref(&now)),
            vec![Conflict::ScopesChanged {
                public_id: "a".into(),
                label: "CI".into(),
                to: "billing:write".into()
            }]
        );
        d.rebase(2, vec![now]);
        assert_eq!(d.edits["a"].scopes.as_deref(), Some("billing:read"));
    }

    #[test]
    fn staging_rolls() {
        let ids = ["a", "b", "c", "d", "e", "f"];
        let mut d = Draft::new(1, ids.iter().map(|id| row(id, id, true)).collect());
        d.roll("a", "PT24H".into()).expect("known");
        assert_eq!(d.change_count(), 1);
        assert_eq!(
            d.view(&row("a", "a", true)).change.rolling.as_deref(),
            Some("PT24H")
        );
        // Staged again: the last grace window chosen counts, still one change.
        d.roll("a", "PT1H".into()).expect("known");
        assert_eq!(d.change_count(), 1);
        for id in &ids[1..MAX_ROLLS] {
            d.roll(id, "PT0S".into()).expect("known");
        }
        assert_eq!(d.roll("f", "PT0S".into()), Err(StageError::TooManyRolls));
        assert!(
            !d.edits.contains_key("f"),
            "a refused roll leaves no empty edit"
        );
        // A key deleted by the same Save is not rolled.
        d.delete("b").expect("known");
        let rolls: Vec<(&str, &str)> = d.rolls().collect();
        assert_eq!(rolls[0], ("a", "PT1H"));
        assert!(!rolls.iter().any(|(id, _)| *id == "b"));
        assert_eq!(d.roll("zzz", "PT0S".into()), Err(StageError::UnknownRow));
        // Rolled elsewhere meanwhile: said, and a rebase keeps the staged roll.
        let mut now = row("a", "a", true);
        now.rolled_at =
            chrono::NaiveDate::from_ymd_opt(2026, 12, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
        let c = d.conflicts(std::slice::from_ref(&now));
        assert!(c.contains(&Conflict::Rolled {
            public_id: "a".into(),
            label: "a".into()
        }));
        d.rebase(2, vec![now.clone()]);
        assert_eq!(
            d.edits.get("a").and_then(|e| e.roll.as_deref()),
            None,
            "not rolled twice"
        );
        // Staged again on the new base, it is kept by a rebase that finds no roll since.
        d.roll("a", "PT1H".into()).expect("known");
        d.rebase(3, vec![now]);
        assert_eq!(d.edits["a"].roll.as_deref(), Some("PT1H"));
        d.add(StagedAdd {
            public_id: "n".into(),
            secret_hash: "h".into(),
            label: "New".into(),
            active: true,
            expires_at: None,
            scopes: String::new(),
        });
        assert_eq!(d.roll("n", "PT0S".into()), Err(StageError::NotSaved));
    }

    #[test]
    fn staged_adds_are_edited_in_place() {
        let mut d = Draft::new(0, vec![]);
        d.add(StagedAdd {
            public_id: "n".into(),
            secret_hash: "h".into(),
            label: "New".into(),
            active: true,
            expires_at: None,
            scopes: String::new(),
        });
        d.rename("n", "Renamed".into()).expect("staged");
        d.set_active("n", false).expect("staged");
        d.set_scopes("n", "billing:read".into()).expect("staged");
        assert_eq!(d.adds[0].label, "Renamed");
        assert_eq!(d.adds[0].scopes, "billing:read");
        d.delete("n").expect("staged");
        assert!(d.is_empty());
    }

    #[test]
    fn conflicts_name_what_changed() {
        let d = Draft::new(1, vec![row("a", "CI", true), row("b", "Backup", true)]);
        let now = vec![row("a", "CI-2", false), row("c", "Other", true)];
        let c = d.conflicts(&now);
        assert!(c.contains(&Conflict::Deleted {
            public_id: "b".into(),
            label: "Backup".into()
        }));
        assert!(c.contains(&Conflict::Renamed {
            public_id: "a".into(),
            from: "CI".into(),
            to: "CI-2".into()
        }));
        assert!(c.contains(&Conflict::StatusChanged {
            public_id: "a".into(),
            label: "CI-2".into(),
            active: false
        }));
        assert!(c.contains(&Conflict::Added {
            public_id: "c".into(),
            label: "Other".into()
        }));
        assert_eq!(c.len(), 4);
    }

    #[test]
    fn rebase_drops_adds_that_were_saved_meanwhile() {
        let mut d = Draft::new(1, vec![]);
        d.add(StagedAdd {
            public_id: "K1".into(),
            secret_hash: "h".into(),
            label: "saved already".into(),
            active: true,
            expires_at: None,
            scopes: String::new(),
        });
        d.rebase(2, vec![row("K1", "saved already", true)]);
        assert!(d.adds.is_empty());
    }

    #[test]
    fn rebase_keeps_live_edits_only() {
        let mut d = Draft::new(1, vec![row("a", "CI", true), row("b", "Backup", true)]);
        d.rename("a", "Deploys".into()).expect("known");
        d.delete("b").expect("known");
        d.rebase(2, vec![row("a", "Deploys", true)]);
        // "b" is gone and "a" already carries the wanted label: nothing left to do.
        assert!(d.is_empty());
        assert_eq!(d.base_version, 2);
    }
}
