//! Judging a merge by units: `.wf/` as a whole, and each task.

use std::collections::BTreeMap;

use super::{Check, Problem};

/// One unit a merge may take from a parent: `.wf/` as a whole, or one task (its file and folder).
pub type Unit = (Option<String>, Option<String>);

/// The units of one tree, by name (`.wf`, or a task id).
pub type Units = BTreeMap<String, Unit>;

/// Judge a merge: for every unit (`.wf/`, each task), the merge must hold the version of the
/// merge base, unless exactly one distinct parent version differs from the base, in which case
/// it holds that one. Units are compared by their git object ids. A tree without a store
/// (`None`) has no units: its `.wf/` and `tasks/` were never judged, so nothing can be taken
/// from it; and two stores whose merge base has none have different roots of trust.
pub fn check_merge(
    base: Option<&Units>,
    parents: &[Option<Units>],
    merged: Option<&Units>,
) -> Result<(), Problem> {
    if base.is_none() && parents.iter().filter(|p| p.is_some()).count() > 1 {
        return Err(Problem::new(
            Check::Merge,
            "the merge joins two stores with different beginnings",
        ));
    }
    let empty = Units::new();
    let base = base.unwrap_or(&empty);
    let merged = merged.unwrap_or(&empty);
    let parents: Vec<&Units> = parents
        .iter()
        .map(|p| p.as_ref().unwrap_or(&empty))
        .collect();
    let none: Unit = (None, None);
    let mut names: Vec<&String> = base
        .keys()
        .chain(merged.keys())
        .chain(parents.iter().flat_map(|p| p.keys()))
        .collect();
    names.sort();
    names.dedup();
    for name in names {
        let b = base.get(name).unwrap_or(&none);
        let m = merged.get(name).unwrap_or(&none);
        let mut changed: Vec<&Unit> = parents
            .iter()
            .map(|p| p.get(name).unwrap_or(&none))
            .filter(|v| *v != b)
            .collect();
        changed.dedup();
        let what = if name == ".wf" {
            ".wf/".to_string()
        } else {
            format!("task {name}")
        };
        match changed.as_slice() {
            [] if m == b => {}
            [] => {
                return Err(Problem::new(
                    Check::Merge,
                    format!("the merge changes {what}, which no parent changed"),
                ))
            }
            [one] if m == *one => {}
            [_] => {
                return Err(Problem::new(
                    Check::Merge,
                    format!("the merge does not take {what} from the parent that changed it"),
                ))
            }
            _ => {
                return Err(Problem::new(
                    Check::Merge,
                    format!("{what} changed on both sides; rebase one branch onto the other instead of merging"),
                ))
            }
        }
    }
    Ok(())
}
