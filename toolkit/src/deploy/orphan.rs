//! `meshsynth orphan`: the two templates that take one resource out of a
//! deployed stack without deleting it. First the deployed template with a
//! `Retain` deletion policy on the resource (so the removal that follows
//! keeps it), then the same template without the resource, every `Ref` to
//! it replaced by its physical id. CloudFormation cannot resolve an
//! attribute of a resource it no longer manages, so a `Fn::GetAtt` (or a
//! `${Res.Attr}` in `Fn::Sub`) from elsewhere in the stack refuses the
//! orphan instead of guessing.

use serde_json::{Map, Value as Json};

/// What orphaning one resource changes in its stack's template.
#[derive(Debug, Clone, PartialEq)]
pub struct OrphanPlan {
    /// The resource's CloudFormation type.
    pub resource_type: String,
    /// The deployed template with `DeletionPolicy: Retain` on the resource;
    /// `None` when it is retained already.
    pub retain: Option<Json>,
    /// The template without the resource.
    pub removed: Json,
    /// Where a `Ref` to the resource became its physical id, or a
    /// `DependsOn` on it was dropped (`Resources.Q.Properties.Value`).
    pub rewritten: Vec<String>,
}

/// Types whose resource is nothing outside the stack (wait conditions), or
/// a call to code the stack owns (custom resources): retaining them keeps
/// nothing a user could manage or import.
fn not_retainable(ty: &str) -> Option<&'static str> {
    if ty.starts_with("Custom::") || ty == "AWS::CloudFormation::CustomResource" {
        return Some("a custom resource is a call to its provider, not a resource that can live outside the stack");
    }
    match ty {
        "AWS::CloudFormation::WaitCondition" | "AWS::CloudFormation::WaitConditionHandle" => {
            Some("a wait condition exists only inside its stack")
        }
        "AWS::CDK::Metadata" => Some("it is stack metadata, not a resource"),
        _ => None,
    }
}

/// Deletion policies under which removing a resource from its stack keeps it.
fn keeps_on_removal(policy: Option<&Json>) -> bool {
    matches!(
        policy.and_then(Json::as_str),
        Some("Retain" | "RetainExceptOnCreate")
    )
}

/// The orphan of `logical_id` from `template` (the stack's deployed
/// template, JSON), whose physical id is `physical` (needed when something
/// `Ref`s it). The error says why not, in words for the user.
pub fn plan(
    template: &Json,
    logical_id: &str,
    physical: Option<&str>,
) -> Result<OrphanPlan, String> {
    if template.get("Transform").is_some() {
        return Err("the stack's template declares a Transform, so the template CloudFormation runs is not the one meshsynth would edit".into());
    }
    let resources = template
        .get("Resources")
        .and_then(Json::as_object)
        .ok_or("the deployed template has no Resources section")?;
    let Some(resource) = resources.get(logical_id) else {
        let mut ids: Vec<&str> = resources.keys().map(String::as_str).collect();
        ids.truncate(12);
        return Err(format!(
            "the deployed stack has no resource {logical_id} (it has: {}{})",
            ids.join(", "),
            if resources.len() > ids.len() {
                ", …"
            } else {
                ""
            }
        ));
    };
    let resource_type = resource
        .get("Type")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_string();
    if let Some(why) = not_retainable(&resource_type) {
        return Err(format!("{resource_type} cannot be orphaned: {why}"));
    }
    if resources.len() == 1 {
        return Err("it is the stack's only resource, and a stack cannot be empty; delete the stack with `meshsynth destroy` after setting a Retain policy on the resource in code instead".into());
    }
    let retain = (!keeps_on_removal(resource.get("DeletionPolicy"))).then(|| {
        let mut t = template.clone();
        t["Resources"][logical_id]["DeletionPolicy"] = Json::from("Retain");
        t["Resources"][logical_id]["UpdateReplacePolicy"] = Json::from("Retain");
        t
    });
    let mut removed = template.clone();
    let mut rewritten = Vec::new();
    let mut blockers = Vec::new();
    {
        let obj = removed.as_object_mut().expect("a template is an object");
        let res = obj
            .get_mut("Resources")
            .and_then(Json::as_object_mut)
            .expect("checked above");
        res.shift_remove(logical_id);
        for (id, r) in res.iter_mut() {
            let at = format!("Resources.{id}");
            if let Some(r) = r.as_object_mut() {
                drop_depends_on(r, logical_id, &at, &mut rewritten);
            }
            let mut w = Rewrite {
                target: logical_id,
                physical,
                rewritten: &mut rewritten,
                blockers: &mut blockers,
            };
            w.value(r, &at);
        }
        if let Some(outputs) = obj.get_mut("Outputs").and_then(Json::as_object_mut) {
            for (id, o) in outputs.iter_mut() {
                let mut w = Rewrite {
                    target: logical_id,
                    physical,
                    rewritten: &mut rewritten,
                    blockers: &mut blockers,
                };
                w.value(o, &format!("Outputs.{id}"));
            }
        }
    }
    if !blockers.is_empty() {
        blockers.truncate(8);
        return Err(format!(
            "{} reads it ({}); CloudFormation cannot read an attribute of a resource it no longer manages: remove those reads from the code and deploy, then orphan it",
            blockers.len(),
            blockers.join(", ")
        ));
    }
    Ok(OrphanPlan {
        resource_type,
        retain,
        removed,
        rewritten,
    })
}

fn drop_depends_on(r: &mut Map<String, Json>, target: &str, at: &str, log: &mut Vec<String>) {
    let Some(d) = r.get_mut("DependsOn") else {
        return;
    };
    let hit = match d {
        Json::String(s) if s == target => {
            r.shift_remove("DependsOn");
            true
        }
        Json::Array(items) => {
            let before = items.len();
            items.retain(|i| i.as_str() != Some(target));
            let hit = items.len() != before;
            if items.is_empty() {
                r.shift_remove("DependsOn");
            }
            hit
        }
        _ => false,
    };
    if hit {
        log.push(format!("{at}.DependsOn"));
    }
}

/// Replaces `Ref`s of the target with its physical id; records reads of
/// its attributes.
struct Rewrite<'a> {
    target: &'a str,
    physical: Option<&'a str>,
    rewritten: &'a mut Vec<String>,
    blockers: &'a mut Vec<String>,
}

impl Rewrite<'_> {
    fn value(&mut self, v: &mut Json, at: &str) {
        match v {
            Json::Object(m) if m.len() == 1 => {
                let (k, inner) = m.iter_mut().next().expect("one entry");
                match k.as_str() {
                    "Ref" if inner.as_str() == Some(self.target) => {
                        match self.physical {
                            Some(p) => {
                                *v = Json::from(p);
                                self.rewritten.push(at.to_string());
                            }
                            None => self
                                .blockers
                                .push(format!("{at} (Ref, and its physical id is unknown)")),
                        }
                        return;
                    }
                    "Fn::GetAtt" if getatt_target(inner) == Some(self.target) => {
                        self.blockers.push(format!("{at} (Fn::GetAtt)"));
                        return;
                    }
                    "Fn::Sub" => {
                        self.sub(inner, at);
                        return;
                    }
                    _ => {}
                }
                self.value(inner, &format!("{at}.{}", k.clone()));
            }
            Json::Object(m) => {
                for (k, x) in m.iter_mut() {
                    self.value(x, &format!("{at}.{k}"));
                }
            }
            Json::Array(items) => {
                for (i, x) in items.iter_mut().enumerate() {
                    self.value(x, &format!("{at}[{i}]"));
                }
            }
            _ => {}
        }
    }

    /// `${Target}` becomes the physical id; `${Target.Attr}` blocks.
    fn sub(&mut self, inner: &mut Json, at: &str) {
        let (text, vars) = match inner {
            Json::String(s) => (s, None),
            Json::Array(items) if !items.is_empty() => {
                let (first, rest) = items.split_at_mut(1);
                match &mut first[0] {
                    Json::String(s) => (s, rest.first_mut()),
                    _ => return,
                }
            }
            _ => return,
        };
        // A variable of the same name shadows the resource.
        let shadowed = vars
            .as_ref()
            .and_then(|v| v.as_object())
            .is_some_and(|m| m.contains_key(self.target));
        if let Some(vars) = vars {
            self.value(vars, &format!("{at}.Fn::Sub[1]"));
        }
        if shadowed {
            return;
        }
        if text.contains(&format!("${{{}.", self.target)) {
            self.blockers.push(format!("{at} (Fn::Sub)"));
            return;
        }
        let whole = format!("${{{}}}", self.target);
        if text.contains(&whole) {
            match self.physical {
                // `$` in an id would read as a variable; physical ids of
                // the types that can be orphaned have none.
                Some(p) if !p.contains('$') => {
                    *text = text.replace(&whole, p);
                    self.rewritten.push(at.to_string());
                }
                _ => self
                    .blockers
                    .push(format!("{at} (Fn::Sub, and its physical id is unknown)")),
            }
        }
    }
}

fn getatt_target(inner: &Json) -> Option<&str> {
    match inner {
        Json::Array(a) => a.first().and_then(Json::as_str),
        Json::String(s) => s.split('.').next(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template() -> Json {
        json!({
            "Resources": {
                "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/app"}},
                "Param": {
                    "Type": "AWS::SSM::Parameter",
                    "DependsOn": ["Logs"],
                    "Properties": {
                        "Name": "/app/logs",
                        "Type": "String",
                        "Value": {"Ref": "Logs"},
                        "Description": {"Fn::Sub": "logs in ${Logs} of ${AWS::Region}"}
                    }
                }
            },
            "Outputs": {"Group": {"Value": {"Ref": "Logs"}}}
        })
    }

    #[test]
    fn retains_then_removes_with_refs_made_literal() {
        let p = plan(&template(), "Logs", Some("/app")).unwrap();
        assert_eq!(p.resource_type, "AWS::Logs::LogGroup");
        let retain = p.retain.unwrap();
        assert_eq!(retain["Resources"]["Logs"]["DeletionPolicy"], "Retain");
        // Nothing else of the template changes in the first step.
        let mut back = retain.clone();
        let logs = back["Resources"]["Logs"].as_object_mut().unwrap();
        logs.shift_remove("DeletionPolicy");
        logs.shift_remove("UpdateReplacePolicy");
        assert_eq!(back, template());
        let r = &p.removed;
        assert!(r["Resources"].get("Logs").is_none());
        assert_eq!(r["Resources"]["Param"]["Properties"]["Value"], "/app");
        assert_eq!(
            r["Resources"]["Param"]["Properties"]["Description"]["Fn::Sub"],
            "logs in /app of ${AWS::Region}"
        );
        assert!(r["Resources"]["Param"].get("DependsOn").is_none());
        assert_eq!(r["Outputs"]["Group"]["Value"], "/app");
        assert_eq!(p.rewritten.len(), 4, "{:?}", p.rewritten);
    }

    #[test]
    fn an_already_retained_resource_skips_the_first_step() {
        let mut t = template();
        t["Resources"]["Logs"]["DeletionPolicy"] = json!("Retain");
        assert!(plan(&t, "Logs", Some("/app")).unwrap().retain.is_none());
    }

    #[test]
    fn refusals_say_why() {
        let mut t = template();
        t["Resources"]["Param"]["Properties"]["Value"] = json!({"Fn::GetAtt": ["Logs", "Arn"]});
        let e = plan(&t, "Logs", Some("/app")).unwrap_err();
        assert!(
            e.contains("Resources.Param.Properties.Value (Fn::GetAtt)"),
            "{e}"
        );
        let mut t = template();
        t["Resources"]["Param"]["Properties"]["Value"] = json!({"Fn::Sub": "${Logs.Arn}"});
        assert!(plan(&t, "Logs", Some("/app"))
            .unwrap_err()
            .contains("Fn::Sub"));
        assert!(plan(&template(), "Logs", None)
            .unwrap_err()
            .contains("physical id is unknown"));
        let e = plan(&template(), "Nope", None).unwrap_err();
        assert!(e.contains("no resource Nope (it has: Logs, Param)"), "{e}");
        let mut t = template();
        t["Resources"]["Hook"] = json!({"Type": "Custom::Seed", "Properties": {}});
        assert!(plan(&t, "Hook", None)
            .unwrap_err()
            .contains("custom resource"));
        let t = json!({"Resources": {"Logs": {"Type": "AWS::Logs::LogGroup"}}});
        assert!(plan(&t, "Logs", Some("/app"))
            .unwrap_err()
            .contains("only resource"));
        let mut t = template();
        t["Transform"] = json!("AWS::Serverless-2016-10-31");
        assert!(plan(&t, "Logs", Some("/app"))
            .unwrap_err()
            .contains("Transform"));
    }

    #[test]
    fn a_sub_variable_of_the_same_name_is_not_the_resource() {
        let mut t = template();
        t["Resources"]["Param"]["Properties"]["Description"] =
            json!({"Fn::Sub": ["${Logs.x}", {"Logs": "literal"}]});
        t["Resources"]["Param"]["Properties"]["Value"] = json!("v");
        t["Outputs"] = json!({});
        let p = plan(&t, "Logs", Some("/app")).unwrap();
        assert_eq!(
            p.removed["Resources"]["Param"]["Properties"]["Description"],
            json!({"Fn::Sub": ["${Logs.x}", {"Logs": "literal"}]})
        );
    }
}
