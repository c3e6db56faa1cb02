//! The CloudFormation emitter: a resolved template model to JSON or YAML,
//! top-level keys in the documented order, resources in tree order,
//! `DependsOn` sorted.

use std::collections::{BTreeMap, HashMap};

use indexmap::IndexMap;
use serde::Serialize as _;
use serde_json::{Map, Value as Json};

use super::pretty::{Pretty, Splice};

use crate::core::resource::DeletionPolicy;

/// Template file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TemplateFormat {
    /// JSON (`.template.json`).
    #[default]
    Json,
    /// YAML (`.template.yaml`).
    Yaml,
}

impl TemplateFormat {
    /// The file extension: `json` or `yaml`.
    pub fn extension(self) -> &'static str {
        match self {
            TemplateFormat::Json => "json",
            TemplateFormat::Yaml => "yaml",
        }
    }
}

/// One resolved resource.
#[derive(Debug, Clone)]
pub struct ResourceEntry {
    /// The logical id.
    pub logical_id: String,
    /// The CloudFormation type.
    pub cfn_type: String,
    /// `Properties`, resolved.
    pub properties: Map<String, Json>,
    /// `DependsOn`, sorted.
    pub depends_on: Vec<String>,
    /// `Condition`.
    pub condition: Option<String>,
    /// `DeletionPolicy`.
    pub deletion_policy: Option<DeletionPolicy>,
    /// `UpdateReplacePolicy`.
    pub update_replace_policy: Option<DeletionPolicy>,
    /// `Metadata`.
    pub metadata: IndexMap<String, Json>,
}

/// One resolved output.
#[derive(Debug, Clone)]
pub struct OutputEntry {
    /// The logical id.
    pub logical_id: String,
    /// `Value`, resolved.
    pub value: Json,
    /// `Description`.
    pub description: Option<String>,
    /// `Export.Name`, when exported.
    pub export_name: Option<String>,
}

/// A resolved template, ready to render.
#[derive(Debug, Clone, Default)]
pub struct TemplateModel {
    /// `Description`.
    pub description: Option<String>,
    /// `Metadata`.
    pub metadata: IndexMap<String, Json>,
    /// `Parameters`.
    pub parameters: IndexMap<String, Json>,
    /// `Conditions`.
    pub conditions: IndexMap<String, Json>,
    /// `Resources`, in tree order.
    pub resources: Vec<ResourceEntry>,
    /// `Outputs`.
    pub outputs: Vec<OutputEntry>,
    /// `Transform`, as an included template gave it (not expanded).
    pub transform: Option<Json>,
    /// `Mappings` of included templates.
    pub mappings: IndexMap<String, Json>,
    /// `Rules` of included templates.
    pub rules: IndexMap<String, Json>,
    /// Outputs of included templates, resolved, written after [`Self::outputs`].
    pub included_outputs: IndexMap<String, Json>,
    /// Resource attributes beside those of [`ResourceEntry`] (`UpdatePolicy`,
    /// `CreationPolicy`, a `Condition` by name…), by logical id: what an
    /// included template gave its resources, kept as written.
    pub resource_attributes: IndexMap<String, Map<String, Json>>,
    /// The SAM transform's `Globals` of an included template.
    pub globals: IndexMap<String, Json>,
    /// `Fn::ForEach` entries of an included template's Resources (the
    /// `AWS::LanguageExtensions` transform expands them), after the resources.
    pub resource_loops: IndexMap<String, Json>,
}

impl TemplateModel {
    /// The template as a JSON tree in CloudFormation's documented key order:
    /// the layout [`render`](Self::render) writes, defined once.
    pub fn to_json(&self) -> Json {
        // Invariant: the view holds JSON values and strings only.
        serde_json::to_value(JsonView(self, None)).expect("a template serializes")
    }

    /// The template's bytes in the given format.
    pub fn render(&self, format: TemplateFormat) -> Vec<u8> {
        self.render_with(format, None)
    }

    /// [`render`](Self::render), with the properties of the resources in
    /// `written` (emptied in the model) taken from there. JSON only: a
    /// YAML template never has any written.
    pub(crate) fn render_with(
        &self,
        format: TemplateFormat,
        written: Option<&WrittenProperties>,
    ) -> Vec<u8> {
        debug_assert!(format == TemplateFormat::Json || written.is_none_or(|w| w.0.is_empty()));
        match format {
            // Written straight from the model, without copying every
            // property into `to_json`'s tree first (the reference apps' 15
            // templates: 8.1 M → 5.4 M instructions).
            TemplateFormat::Json => {
                // Invariant: the view holds JSON values and strings only,
                // so writing it to a Vec cannot fail.
                let splice = Splice::new(None);
                let mut out = Vec::with_capacity(4096);
                let view = JsonView(self, written.map(|w| (w, &splice)));
                let mut json =
                    serde_json::Serializer::with_formatter(&mut out, Pretty::splicing(&splice));
                view.serialize(&mut json).expect("a template serializes");
                out.push(b'\n');
                out
            }
            TemplateFormat::Yaml => super::yaml::to_yaml(&self.to_json()).into_bytes(),
        }
    }
}

/// A template in CloudFormation's documented key order, borrowed:
/// top-level keys in that order, resources in tree order, `DependsOn`
/// sorted. A key given twice (a resource id and an `Fn::ForEach` loop, an
/// output and an included one) is written once, at its first place, with
/// its last value. Properties in the [`WrittenProperties`], when given,
/// are spliced in from there (the serializer's formatter must be
/// [`Pretty::splicing`] of the same [`Splice`]).
struct JsonView<'a>(
    &'a TemplateModel,
    Option<(&'a WrittenProperties, &'a Splice<'a>)>,
);

/// One entry of `Resources`: a resource (with its included attributes and
/// its written properties), or an `Fn::ForEach` loop as written.
enum ResourceView<'a> {
    Entry(
        &'a ResourceEntry,
        Option<&'a Map<String, Json>>,
        Option<(&'a str, &'a Splice<'a>)>,
    ),
    Loop(&'a Json),
}

/// Resources' `Properties` already written as a JSON template holds them,
/// by logical id. A large app's templates keep these bytes, about a third
/// of their trees' size, from the moment each resource is checked until
/// its template is rendered (ADR 0006's CloudFormation side).
#[derive(Debug, Default)]
pub(crate) struct WrittenProperties(HashMap<String, Box<str>>);

impl WrittenProperties {
    /// Writes `props` for resource `logical_id`, unless that id is already
    /// here (a collision, reported elsewhere): then `props` is handed
    /// back to stay in the model.
    pub(crate) fn write(
        &mut self,
        logical_id: &str,
        props: Map<String, Json>,
    ) -> Option<Map<String, Json>> {
        if props.is_empty() || self.0.contains_key(logical_id) {
            return Some(props);
        }
        let mut out = Vec::with_capacity(512);
        // Three levels down: the template, `Resources`, the resource.
        let mut json = serde_json::Serializer::with_formatter(&mut out, Pretty::at(3));
        // Invariant: a JSON map written to memory cannot fail, and
        // serde_json writes UTF-8.
        props.serialize(&mut json).expect("properties serialize");
        let text = String::from_utf8(out).expect("serde_json writes UTF-8");
        self.0.insert(logical_id.to_string(), text.into_boxed_str());
        None
    }

    fn get(&self, logical_id: &str) -> Option<&str> {
        self.0.get(logical_id).map(|b| &**b)
    }
}

/// One entry of `Outputs`.
enum OutputView<'a> {
    Entry(&'a OutputEntry),
    Included(&'a Json),
}

/// Entries by key in first-insertion order, a later value replacing an
/// earlier one in place: how `to_json`'s maps treat a repeated key.
fn ordered<'a, V>(
    entries: impl Iterator<Item = (&'a str, V)>,
) -> IndexMap<&'a str, V, foldhash::fast::RandomState> {
    let mut map = IndexMap::default();
    for (k, v) in entries {
        map.insert(k, v);
    }
    map
}

impl serde::Serialize for JsonView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let (t, written) = (self.0, self.1);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("AWSTemplateFormatVersion", "2010-09-09")?;
        if let Some(d) = &t.description {
            m.serialize_entry("Description", d)?;
        }
        let sections = [
            ("Metadata", &t.metadata),
            ("Parameters", &t.parameters),
            ("Rules", &t.rules),
            ("Mappings", &t.mappings),
            ("Conditions", &t.conditions),
        ];
        for (name, section) in sections {
            if !section.is_empty() {
                m.serialize_entry(name, section)?;
            }
        }
        if let Some(x) = &t.transform {
            m.serialize_entry("Transform", x)?;
        }
        if !t.globals.is_empty() {
            m.serialize_entry("Globals", &t.globals)?;
        }
        let resources = ordered(
            t.resources
                .iter()
                .map(|r| {
                    let attrs = t.resource_attributes.get(&r.logical_id);
                    let raw = written
                        .filter(|_| r.properties.is_empty())
                        .and_then(|(w, splice)| Some((w.get(&r.logical_id)?, splice)));
                    (r.logical_id.as_str(), ResourceView::Entry(r, attrs, raw))
                })
                .chain(
                    t.resource_loops
                        .iter()
                        .map(|(k, v)| (k.as_str(), ResourceView::Loop(v))),
                ),
        );
        m.serialize_entry("Resources", &resources)?;
        if !t.outputs.is_empty() || !t.included_outputs.is_empty() {
            let outputs = ordered(
                t.outputs
                    .iter()
                    .map(|o| (o.logical_id.as_str(), OutputView::Entry(o)))
                    .chain(
                        t.included_outputs
                            .iter()
                            .map(|(k, v)| (k.as_str(), OutputView::Included(v))),
                    ),
            );
            m.serialize_entry("Outputs", &outputs)?;
        }
        m.end()
    }
}

impl serde::Serialize for ResourceView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let (r, attrs, raw) = match self {
            ResourceView::Loop(v) => return v.serialize(s),
            ResourceView::Entry(r, attrs, raw) => (*r, *attrs, *raw),
        };
        let mut m = s.serialize_map(None)?;
        // The keys written, so an included attribute never repeats one.
        let mut written: Vec<&str> = vec!["Type"];
        m.serialize_entry("Type", &r.cfn_type)?;
        if let Some(c) = &r.condition {
            m.serialize_entry("Condition", c)?;
            written.push("Condition");
        }
        if !r.depends_on.is_empty() {
            let mut deps: Vec<&str> = r.depends_on.iter().map(String::as_str).collect();
            deps.sort_unstable();
            deps.dedup();
            m.serialize_entry("DependsOn", &deps)?;
            written.push("DependsOn");
        }
        if let Some((text, splice)) = raw {
            // The formatter writes the text where this unit's null goes.
            splice.set(Some(text));
            m.serialize_entry("Properties", &())?;
            written.push("Properties");
        } else if !r.properties.is_empty() {
            m.serialize_entry("Properties", &r.properties)?;
            written.push("Properties");
        }
        if let Some(p) = r.deletion_policy {
            m.serialize_entry("DeletionPolicy", &p)?;
            written.push("DeletionPolicy");
        }
        if let Some(p) = r.update_replace_policy {
            m.serialize_entry("UpdateReplacePolicy", &p)?;
            written.push("UpdateReplacePolicy");
        }
        if !r.metadata.is_empty() {
            m.serialize_entry("Metadata", &r.metadata)?;
            written.push("Metadata");
        }
        for (k, v) in attrs.into_iter().flatten() {
            if !written.contains(&k.as_str()) {
                m.serialize_entry(k, v)?;
            }
        }
        m.end()
    }
}

impl serde::Serialize for OutputView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let o = match self {
            OutputView::Included(v) => return v.serialize(s),
            OutputView::Entry(o) => *o,
        };
        let mut m = s.serialize_map(None)?;
        if let Some(d) = &o.description {
            m.serialize_entry("Description", d)?;
        }
        m.serialize_entry("Value", &o.value)?;
        if let Some(x) = &o.export_name {
            m.serialize_entry(
                "Export",
                &[("Name", x)].into_iter().collect::<BTreeMap<_, _>>(),
            )?;
        }
        m.end()
    }
}

/// Merges aspect tags into a resource's `Tags` property: explicit tags win,
/// the result is sorted by key so output is stable.
pub(crate) fn merge_tags(
    props: &mut Map<String, Json>,
    style: crate::core::resource::TagStyle,
    property: &str,
    tags: &std::collections::BTreeMap<String, String>,
) {
    use crate::core::resource::TagStyle;
    if tags.is_empty() {
        return;
    }
    match style {
        TagStyle::None => {}
        TagStyle::List => {
            let mut merged: std::collections::BTreeMap<String, Json> = tags
                .iter()
                .map(|(k, v)| (k.clone(), Json::String(v.clone())))
                .collect();
            if let Some(Json::Array(existing)) = props.get(property) {
                for t in existing {
                    if let Some(Json::String(k)) = t.get("Key") {
                        merged.insert(k.clone(), t.get("Value").cloned().unwrap_or(Json::Null));
                    }
                }
            }
            let list: Vec<Json> = merged
                .into_iter()
                .map(|(k, v)| serde_json::json!({"Key": k, "Value": v}))
                .collect();
            props.insert(property.into(), Json::Array(list));
        }
        TagStyle::Map => {
            let mut merged: std::collections::BTreeMap<String, Json> = tags
                .iter()
                .map(|(k, v)| (k.clone(), Json::String(v.clone())))
                .collect();
            if let Some(Json::Object(existing)) = props.get(property) {
                for (k, v) in existing {
                    merged.insert(k.clone(), v.clone());
                }
            }
            props.insert(property.into(), Json::Object(merged.into_iter().collect()));
        }
    }
}

/// Applies an escape-hatch override at a dotted path (e.g. `Properties.X.Y`).
pub(crate) fn apply_override(root: &mut Map<String, Json>, path: &str, value: Json) {
    let mut parts = path.split('.').peekable();
    let mut cur = root;
    while let Some(p) = parts.next() {
        if parts.peek().is_none() {
            cur.insert(p.to_string(), value);
            return;
        }
        let entry = cur
            .entry(p.to_string())
            .or_insert_with(|| Json::Object(Map::new()));
        if !entry.is_object() {
            *entry = Json::Object(Map::new());
        }
        // Invariant: made an object just above.
        cur = entry.as_object_mut().expect("object");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::resource::TagStyle;
    use serde_json::json;

    /// `render` writes the model without building `to_json`'s tree; the
    /// bytes must be that tree's, with every section and the cases where
    /// `to_json`'s maps replace a repeated key in place.
    #[test]
    fn json_rendering_matches_the_tree() {
        let entry = |id: &str, props: Json| ResourceEntry {
            logical_id: id.into(),
            cfn_type: "AWS::SQS::Queue".into(),
            properties: props.as_object().cloned().unwrap_or_default(),
            depends_on: vec!["Z".into(), "A".into(), "Z".into()],
            condition: Some("IsProd".into()),
            deletion_policy: Some(DeletionPolicy::Retain),
            update_replace_policy: Some(DeletionPolicy::Snapshot),
            metadata: IndexMap::from([("cfn_nag".to_string(), json!({"rules": []}))]),
        };
        let section = |k: &str| IndexMap::from([(k.to_string(), json!({"k": [1, "two", null]}))]);
        let mut m = TemplateModel {
            description: Some("d \"quoted\" \u{e9}".into()),
            metadata: section("M"),
            parameters: section("P"),
            conditions: section("IsProd"),
            transform: Some(json!("AWS::LanguageExtensions")),
            mappings: section("Map"),
            rules: section("Rule"),
            globals: section("Function"),
            ..Default::default()
        };
        m.resources
            .push(entry("Queue", json!({"DelaySeconds": 5, "Tags": []})));
        m.resources.push(entry("Empty", json!({})));
        // A repeated id keeps the first one's place with the last value.
        m.resources.push(entry("Queue", json!({"DelaySeconds": 6})));
        m.resource_loops
            .insert("Fn::ForEach::Topics".into(), json!(["T", ["a"], {}]));
        m.resource_loops
            .insert("Empty".into(), json!({"Type": "AWS::SNS::Topic"}));
        // Attributes beside the entry's own keys; an own key wins.
        m.resource_attributes.insert(
            "Queue".into(),
            json!({"UpdatePolicy": {"x": 1}, "Condition": "Other"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        );
        m.outputs.push(OutputEntry {
            logical_id: "Url".into(),
            value: json!({"Ref": "Queue"}),
            description: Some("the url".into()),
            export_name: Some("x-Url".into()),
        });
        m.outputs.push(OutputEntry {
            logical_id: "Bare".into(),
            value: json!("v"),
            description: None,
            export_name: None,
        });
        m.included_outputs
            .insert("Url".into(), json!({"Value": "included"}));
        m.included_outputs.insert("Old".into(), json!({"Value": 1}));
        let tree = crate::emit::to_json_bytes(&m.to_json());
        assert_eq!(
            String::from_utf8_lossy(&m.render(TemplateFormat::Json)),
            String::from_utf8_lossy(&tree)
        );
        // And the sparse template most stacks are.
        let sparse = TemplateModel::default();
        assert_eq!(
            sparse.render(TemplateFormat::Json),
            crate::emit::to_json_bytes(&sparse.to_json())
        );
    }

    /// Properties written out at check time render as the tree would:
    /// nested maps and lists at their depth, empty ones inline, strings
    /// whose escapes hold line breaks.
    #[test]
    fn written_properties_render_as_their_tree() {
        let props = json!({
            "Name": "a\nb \"q\" \u{e9}",
            "Nested": {"List": [1, {"Deep": [true, null]}, []], "Empty": {}},
            "Tags": [{"Key": "k", "Value": "v"}],
        });
        let entry = |id: &str, properties: Map<String, Json>| ResourceEntry {
            logical_id: id.into(),
            cfn_type: "AWS::SSM::Parameter".into(),
            properties,
            depends_on: vec!["Other".into()],
            condition: None,
            deletion_policy: Some(DeletionPolicy::Retain),
            update_replace_policy: None,
            metadata: IndexMap::new(),
        };
        let mut tree = TemplateModel::default();
        let mut bytes = TemplateModel::default();
        let mut written = WrittenProperties::default();
        for id in ["First", "Second"] {
            let p = props.as_object().cloned().unwrap();
            tree.resources.push(entry(id, p.clone()));
            let kept = written.write(id, p);
            assert!(kept.is_none(), "written");
            bytes.resources.push(entry(id, Map::new()));
        }
        // A second resource of one id keeps its tree.
        let again = written.write("First", props.as_object().cloned().unwrap());
        assert!(again.is_some());
        assert_eq!(
            String::from_utf8_lossy(&bytes.render_with(TemplateFormat::Json, Some(&written))),
            String::from_utf8_lossy(&tree.render(TemplateFormat::Json))
        );
    }

    #[test]
    fn key_order_and_sorted_depends_on() {
        let mut m = TemplateModel {
            description: Some("d".into()),
            ..Default::default()
        };
        m.resources.push(ResourceEntry {
            logical_id: "B".into(),
            cfn_type: "AWS::X::Y".into(),
            properties: Map::new(),
            depends_on: vec!["Z".into(), "A".into(), "Z".into()],
            condition: None,
            deletion_policy: Some(DeletionPolicy::Retain),
            update_replace_policy: None,
            metadata: IndexMap::new(),
        });
        let j = m.to_json();
        let keys: Vec<&String> = j.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["AWSTemplateFormatVersion", "Description", "Resources"]
        );
        assert_eq!(j["Resources"]["B"]["DependsOn"], json!(["A", "Z"]));
        assert_eq!(j["Resources"]["B"]["DeletionPolicy"], json!("Retain"));
    }

    #[test]
    fn tags_merge_with_explicit_winning() {
        let mut props = Map::new();
        props.insert("Tags".into(), json!([{"Key": "Name", "Value": "mine"}]));
        let tags = [
            ("Name".to_string(), "aspect".to_string()),
            ("A".into(), "1".into()),
        ]
        .into_iter()
        .collect();
        merge_tags(&mut props, TagStyle::List, "Tags", &tags);
        assert_eq!(
            props["Tags"],
            json!([{"Key": "A", "Value": "1"}, {"Key": "Name", "Value": "mine"}])
        );
    }

    #[test]
    fn overrides_create_paths() {
        let mut m = Map::new();
        apply_override(&mut m, "Properties.A.B", json!(1));
        assert_eq!(Json::Object(m), json!({"Properties": {"A": {"B": 1}}}));
    }
}
