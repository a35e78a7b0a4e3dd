//! Judging a merge by units: `.wf/` as a whole, and each task.

use std::collections::BTreeMap;

use super::{Check, Problem};

/// One unit a merge may take from a parent: `.wf/` as a whole, or one task (its file and folder).
pub type Unit = (Option<String>, Option<String>);

/// The units of one tree, by name (`.wf`, or a task id).
pub type Units = BTreeMap<String, Unit>;

/// Judge a merge: for every unit (`.wf/`, each task), the merge must hold what its parents
/// agree on, or the one version a parent changed it to. A parent "changed" a unit when its
/// version is none of the merge bases' versions (a criss-cross merge has several bases; every
/// base is an ancestor of every parent, and every version a verified line holds contains the
/// base versions it passed through). Units are compared by identity (mode and object id). A
/// tree without a store (`None`) has no units: its `.wf/` and `tasks/` were never judged, so
/// nothing can be taken from it; and two stores without a common base have different roots of
/// trust. `bases` holds the units of each merge base (empty when there is none).
///
/// A task both parents of a two-parent merge changed since its one merge base is not refused
/// here: it is returned, for the caller to check that the merge holds the replay of both lines'
/// actions ([`crate::concurrent`]). Everything else changed on both sides is refused.
pub fn check_merge(
    bases: &[Option<Units>],
    parents: &[Option<Units>],
    merged: Option<&Units>,
) -> Result<Vec<String>, Problem> {
    let mut contested = Vec::new();
    let stores = parents.iter().filter(|p| p.is_some()).count();
    if stores > 0 && merged.is_none() {
        return Err(Problem::new(
            Check::Merge,
            "the merge removes the store: a parent has .wf/store.toml, the merge has not",
        ));
    }
    if !bases.iter().any(Option::is_some) && stores > 1 {
        return Err(Problem::new(
            Check::Merge,
            "the merge joins two stores with different beginnings",
        ));
    }
    let empty = Units::new();
    let merged = merged.unwrap_or(&empty);
    let bases: Vec<&Units> = bases.iter().map(|b| b.as_ref().unwrap_or(&empty)).collect();
    let bases = if bases.is_empty() {
        vec![&empty]
    } else {
        bases
    };
    let parents: Vec<&Units> = parents
        .iter()
        .map(|p| p.as_ref().unwrap_or(&empty))
        .collect();
    let none: Unit = (None, None);
    let mut names: Vec<&String> = bases
        .iter()
        .flat_map(|b| b.keys())
        .chain(merged.keys())
        .chain(parents.iter().flat_map(|p| p.keys()))
        .collect();
    names.sort();
    names.dedup();
    for name in names {
        let in_base: Vec<&Unit> = bases.iter().map(|b| b.get(name).unwrap_or(&none)).collect();
        let m = merged.get(name).unwrap_or(&none);
        let values: Vec<&Unit> = parents
            .iter()
            .map(|p| p.get(name).unwrap_or(&none))
            .collect();
        let mut changed: Vec<&Unit> = values
            .iter()
            .copied()
            .filter(|v| !in_base.contains(v))
            .collect();
        changed.sort();
        changed.dedup();
        let what = if name == ".wf" {
            ".wf/".to_string()
        } else {
            format!("task {name}")
        };
        match changed.as_slice() {
            [] if values.iter().all(|v| *v == m) => {}
            [] if values.windows(2).all(|w| w[0] == w[1]) => {
                return Err(Problem::new(
                    Check::Merge,
                    format!("the merge changes {what}, which no parent changed"),
                ))
            }
            [] => {
                return Err(Problem::new(
                    Check::Merge,
                    format!("the parents hold different versions of {what}, none changed since a merge base; rebase one branch onto the other instead of merging"),
                ))
            }
            [one] if m == *one => {}
            [_] => {
                return Err(Problem::new(
                    Check::Merge,
                    format!("the merge does not take {what} from the parent that changed it"),
                ))
            }
            _ if parents.len() == 2
                && bases.len() == 1
                && crate::id::check_task_id(name).is_ok() =>
            {
                contested.push(name.clone());
            }
            _ => {
                return Err(Problem::new(
                    Check::Merge,
                    format!("{what} changed on both sides; rebase one branch onto the other instead of merging"),
                ))
            }
        }
    }
    Ok(contested)
}
