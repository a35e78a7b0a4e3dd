//! A small JSON Schema checker for the schema files in `spec/schema/`. It understands exactly
//! the keywords those files use (`type`, `properties`, `required`, `additionalProperties`,
//! `items`, `enum`, `const`, `minimum`, `$ref`, `$defs`, and the annotations `$schema`, `$id`,
//! `title`, `description`) and panics on any other keyword, so a schema can never use a keyword
//! that is silently ignored here.

use std::path::PathBuf;

use serde_json::Value;

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
    let root = load(file);
    let mut errors = Vec::new();
    validate(file, &root, &root, value, "$", &mut errors);
    assert!(
        errors.is_empty(),
        "{file}: {} violation(s):\n  {}\nin {}",
        errors.len(),
        errors.join("\n  "),
        serde_json::to_string_pretty(value).unwrap()
    );
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        other => panic!("unknown type {other}"),
    }
}

fn resolve(file: &str, root: &Value, reference: &str) -> (String, Value) {
    let (f, frag) = reference.split_once('#').unwrap_or((reference, ""));
    let (file, doc) = if f.is_empty() {
        (file.to_string(), root.clone())
    } else {
        (f.to_string(), load(f))
    };
    let mut node = doc.clone();
    for part in frag.split('/').filter(|p| !p.is_empty()) {
        node = node
            .get(part)
            .unwrap_or_else(|| panic!("{file}: bad $ref {reference}"))
            .clone();
    }
    // Refs inside the referenced node are relative to its own file.
    let _ = doc;
    (file, node)
}

fn validate(
    file: &str,
    root: &Value,
    schema: &Value,
    v: &Value,
    at: &str,
    errors: &mut Vec<String>,
) {
    let s = schema
        .as_object()
        .unwrap_or_else(|| panic!("{file}: schema at {at} is not an object"));
    for key in s.keys() {
        assert!(
            matches!(
                key.as_str(),
                "type"
                    | "properties"
                    | "required"
                    | "additionalProperties"
                    | "items"
                    | "enum"
                    | "const"
                    | "minimum"
                    | "$ref"
                    | "$defs"
                    | "$schema"
                    | "$id"
                    | "title"
                    | "description"
            ),
            "{file}: keyword {key} is not understood by the test checker"
        );
    }
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let (f, node) = resolve(file, root, r);
        let froot = if f == file { root.clone() } else { load(&f) };
        validate(&f, &froot, &node, v, at, errors);
    }
    if let Some(t) = s.get("type") {
        let ok = match t {
            Value::String(t) => type_ok(t, v),
            Value::Array(ts) => ts.iter().any(|t| type_ok(t.as_str().unwrap(), v)),
            _ => panic!("{file}: bad type at {at}"),
        };
        if !ok {
            errors.push(format!("{at}: {v} is not of type {t}"));
            return;
        }
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            errors.push(format!(
                "{at}: {v} is not one of {}",
                Value::Array(e.clone())
            ));
        }
    }
    if let Some(c) = s.get("const") {
        if c != v {
            errors.push(format!("{at}: {v} is not {c}"));
        }
    }
    if let (Some(m), Some(n)) = (s.get("minimum").and_then(Value::as_f64), v.as_f64()) {
        if n < m {
            errors.push(format!("{at}: {n} < minimum {m}"));
        }
    }
    if let Some(obj) = v.as_object() {
        let props = s.get("properties").and_then(Value::as_object);
        if let Some(req) = s.get("required").and_then(Value::as_array) {
            for k in req {
                let k = k.as_str().unwrap();
                if !obj.contains_key(k) {
                    errors.push(format!("{at}: missing required key {k}"));
                }
            }
        }
        for (k, val) in obj {
            let sub = props.and_then(|p| p.get(k));
            match (sub, s.get("additionalProperties")) {
                (Some(sub), _) => validate(file, root, sub, val, &format!("{at}.{k}"), errors),
                (None, Some(Value::Bool(false))) => {
                    errors.push(format!("{at}: unexpected key {k}"))
                }
                (None, Some(extra @ Value::Object(_))) => {
                    validate(file, root, extra, val, &format!("{at}.{k}"), errors)
                }
                _ => {}
            }
        }
    }
    if let (Some(items), Some(arr)) = (s.get("items"), v.as_array()) {
        for (i, item) in arr.iter().enumerate() {
            validate(file, root, items, item, &format!("{at}[{i}]"), errors);
        }
    }
}

/// Every schema file parses, names itself by its `$id`, and uses only understood keywords
/// (checked by validating an empty object against it, which walks the top level).
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
