//! The tools' JSON output checked against the schema files in `spec/schema/` (draft 2020-12),
//! with the `jsonschema` crate. All the files are loaded into one registry, each under its
//! `$id`, so a `$ref` to a sibling file (`wf.task.schema.json`, `wf.actor.schema.json#/$defs/…`)
//! resolves to the file in this folder; the validators are built offline, so a `$ref` to
//! anything else fails rather than being fetched.
//!
//! A standard validator ignores keywords it does not know. So that a misspelt keyword cannot
//! silently check nothing, every schema the files use (from each file's top, through every
//! `$ref`) may have only draft 2020-12's own keywords ([`KEYWORDS`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::LazyLock;

use jsonschema::{Registry, Validator};
use serde_json::Value;

/// The base the files' relative `$id`s (`wf.task.schema.json`) resolve against.
const BASE: &str = "json-schema:///";

/// The folder of the schema files.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../spec/schema")
}

/// Load a schema file by name (`wf.task.schema.json`).
pub fn load(file: &str) -> Value {
    let p = dir().join(file);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The schema file of a format name (`wf.task/1` -> `wf.task.schema.json`).
pub fn file_of(format: &str) -> String {
    let name = format.split('/').next().unwrap();
    format!("{name}.schema.json")
}

/// Every schema file's name, sorted.
pub fn all_files() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir())
        .expect("spec/schema exists")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".schema.json"))
        .collect();
    files.sort();
    files
}

/// One validator per schema file, built once per test process.
static VALIDATORS: LazyLock<BTreeMap<String, Validator>> = LazyLock::new(|| {
    let docs: BTreeMap<String, Value> = all_files()
        .into_iter()
        .map(|f| (f.clone(), load(&f)))
        .collect();
    for (f, doc) in &docs {
        check_keywords(&docs, f, doc, "#", &mut BTreeSet::new());
    }
    let registry = Registry::new()
        .extend(
            docs.iter()
                .map(|(f, doc)| (format!("{BASE}{f}"), doc.clone())),
        )
        .and_then(|r| r.prepare())
        .unwrap_or_else(|e| panic!("spec/schema: {e}"));
    docs.iter()
        .map(|(f, doc)| {
            let v = jsonschema::options()
                .offline()
                .with_registry(&registry)
                .with_base_uri(format!("{BASE}{f}"))
                .build(doc)
                .unwrap_or_else(|e| panic!("{f}: {e}"));
            (f.clone(), v)
        })
        .collect()
});

/// Check a value against the schema of the format its `"schema"` key names; panics with every
/// violation found.
pub fn check(value: &Value) {
    let format = value["schema"]
        .as_str()
        .unwrap_or_else(|| panic!("no \"schema\" key in {value}"));
    check_as(&file_of(format), value);
}

/// Check a value against a schema file; panics with every violation found.
pub fn check_as(file: &str, value: &Value) {
    let v = VALIDATORS
        .get(file)
        .unwrap_or_else(|| panic!("no schema file {file} in spec/schema"));
    let errors: Vec<String> = v
        .iter_errors(value)
        .map(|e| format!("${}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{file}: {} violation(s):\n  {}\nin {}",
        errors.len(),
        errors.join("\n  "),
        serde_json::to_string_pretty(value).unwrap()
    );
}

/// The keywords of JSON Schema draft 2020-12 (core, applicator, unevaluated, validation,
/// meta-data, format-annotation and content vocabularies).
pub const KEYWORDS: &[&str] = &[
    "$schema",
    "$id",
    "$ref",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "$vocabulary",
    "$comment",
    "$defs",
    "prefixItems",
    "items",
    "contains",
    "additionalProperties",
    "properties",
    "patternProperties",
    "dependentSchemas",
    "propertyNames",
    "if",
    "then",
    "else",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "unevaluatedItems",
    "unevaluatedProperties",
    "type",
    "const",
    "enum",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxContains",
    "minContains",
    "maxProperties",
    "minProperties",
    "required",
    "dependentRequired",
    "title",
    "description",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "examples",
    "format",
    "contentEncoding",
    "contentMediaType",
    "contentSchema",
];

/// Panics on a keyword that is not draft 2020-12's in `schema` (at `at` in `file`), in every
/// schema inside it, and in every schema a `$ref` leads to. `$defs` is walked only through the
/// `$ref`s into it: it may group schemas in objects of its own (`#/$defs/fields/actor`).
fn check_keywords(
    docs: &BTreeMap<String, Value>,
    file: &str,
    schema: &Value,
    at: &str,
    seen: &mut BTreeSet<String>,
) {
    let Some(obj) = schema.as_object() else {
        return; // `true` / `false`
    };
    for (key, value) in obj {
        assert!(
            KEYWORDS.contains(&key.as_str()),
            "{file}{at}: {key} is not a JSON Schema 2020-12 keyword"
        );
        let at = format!("{at}/{key}");
        let mut walk = |sub: &Value, at: &str| check_keywords(docs, file, sub, at, seen);
        match key.as_str() {
            "$ref" => {
                let r = value.as_str().expect("$ref is a string");
                let (f, pointer) = r.split_once('#').unwrap_or((r, ""));
                let f = if f.is_empty() { file } else { f };
                if seen.insert(format!("{f}#{pointer}")) {
                    let target = docs
                        .get(f)
                        .and_then(|d| d.pointer(pointer))
                        .unwrap_or_else(|| panic!("{file}{at}: {r} leads nowhere"));
                    check_keywords(docs, f, target, &format!("#{pointer}"), seen);
                }
            }
            "properties" | "patternProperties" | "dependentSchemas" => {
                for (name, sub) in value.as_object().into_iter().flatten() {
                    walk(sub, &format!("{at}/{name}"));
                }
            }
            "prefixItems" | "allOf" | "anyOf" | "oneOf" => {
                for (i, sub) in value.as_array().into_iter().flatten().enumerate() {
                    walk(sub, &format!("{at}/{i}"));
                }
            }
            "items"
            | "contains"
            | "additionalProperties"
            | "propertyNames"
            | "if"
            | "then"
            | "else"
            | "not"
            | "unevaluatedItems"
            | "unevaluatedProperties"
            | "contentSchema" => walk(value, &at),
            _ => {}
        }
    }
}
