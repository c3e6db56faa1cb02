//! `deploy --import`: resources of a stack's template that the deployed
//! stack does not hold are brought under it with an `IMPORT` change set
//! (CloudFormation's resource import), before the stack's usual change
//! set. What CloudFormation requires is checked first, so a refusal names
//! the resource and changes nothing: the type is in the registry, the
//! template gives it a `DeletionPolicy`, and the values of its primary
//! identifier are known (a literal in the template, or `--resource-mapping`).

use serde_json::Value as Json;

use super::*;
use crate::deploy::api::ResourceToImport;

impl<'a, A: CfnApi, S: ObjectStore, P: Approver> Engine<'a, A, S, P> {
    /// Imports what the stack lacks; `existing` is the deployed stack.
    /// Returns whether an import ran.
    pub(super) async fn import_missing(
        &self,
        st: &PlannedStack,
        existing: Option<&StackInfo>,
    ) -> Result<bool, DeployError> {
        let id = &st.id;
        let parse = |what: &str, bytes: &[u8]| {
            meshsynth::assembly::parse_template(what, bytes).map_err(|e| DeployError::Assembly {
                path: id.name.clone(),
                message: e.to_string(),
            })
        };
        let wanted = parse("template", &st.template)?;
        let deployed = match existing {
            Some(_) => {
                let text = self
                    .api
                    .get_template(id)
                    .await
                    .map_err(Self::api_err(id, "GetTemplate"))?;
                Some(parse("deployed template", text.as_bytes())?)
            }
            None => None,
        };
        let have = resource_ids(deployed.as_ref());
        let wanted_resources = wanted
            .get("Resources")
            .and_then(Json::as_object)
            .cloned()
            .unwrap_or_default();
        let mut to_import = Vec::new();
        for (lid, def) in &wanted_resources {
            if have.contains(lid.as_str()) {
                continue;
            }
            to_import.push(self.resource_to_import(id, lid, def)?);
        }
        if to_import.is_empty() {
            return Ok(false);
        }
        // The import may change nothing else: the deployed template plus
        // the imported resources (for a new stack, the whole template).
        let template = match deployed {
            Some(mut t) => {
                let resources = t
                    .as_object_mut()
                    .and_then(|m| m.get_mut("Resources"))
                    .and_then(Json::as_object_mut);
                if let Some(resources) = resources {
                    for r in &to_import {
                        resources.insert(
                            r.logical_id.clone(),
                            wanted_resources[&r.logical_id].clone(),
                        );
                    }
                }
                t
            }
            None => wanted.clone(),
        };
        let body = serde_json::to_string(&template).map_err(|e| DeployError::Assembly {
            path: id.name.clone(),
            message: e.to_string(),
        })?;
        let req = ChangeSetRequest {
            stack: id.clone(),
            change_set_name: IMPORT_CHANGE_SET_NAME.into(),
            kind: ChangeSetKind::Import,
            template: TemplateSource::Body(body),
            parameters: self.parameters(st).await?,
            capabilities: CAPABILITIES.iter().map(|c| c.to_string()).collect(),
            tags: Vec::new(),
            resources_to_import: to_import,
        };
        let new_stack = existing.is_none();
        self.set_phase(
            id,
            Some(Phase::ChangeSet {
                new_stack,
                change_set: IMPORT_CHANGE_SET_NAME.into(),
            }),
        );
        let cs_id = match self.api.create_change_set(&req).await {
            Ok(cs) if !cs.is_empty() => cs,
            Ok(_) => IMPORT_CHANGE_SET_NAME.to_string(),
            Err(e) => return Err(Self::api_err(id, "CreateChangeSet")(e)),
        };
        let cs = self.wait_change_set(id, &cs_id).await?;
        if cs.status == "FAILED" {
            return Err(self.change_set_failed(id, &cs_id, new_stack, cs).await);
        }
        self.emit(DeployEvent::ChangeSet {
            stack: id.clone(),
            kind: ChangeSetKind::Import,
            changes: cs.changes.clone(),
        });
        self.execute(id, &cs_id, ChangeSetKind::Import, cs.changes.len())
            .await?;
        Ok(true)
    }

    /// What CloudFormation needs to import `lid`, or why it cannot be.
    fn resource_to_import(
        &self,
        id: &StackId,
        lid: &str,
        def: &Json,
    ) -> Result<ResourceToImport, DeployError> {
        let resource_type = def
            .get("Type")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string();
        let refuse = |reason: String| DeployError::ImportRefused {
            stack: id.clone(),
            logical_id: lid.to_string(),
            resource_type: resource_type.clone(),
            reason,
        };
        let Some(meta) = meshsynth::aws::cfn::lookup(&resource_type) else {
            return Err(refuse(
                "the type is not in the CloudFormation registry (a custom resource or a transform's type), and only registry types can be imported; remove --import to create it instead".into(),
            ));
        };
        if def.get("DeletionPolicy").is_none() {
            return Err(refuse(
                "CloudFormation imports only resources with a DeletionPolicy; give it one in code (Retain keeps what you imported if the stack is deleted)".into(),
            ));
        }
        let key = format!("{}/{lid}", id.name);
        let given = self.opts.resource_mapping.get(&key);
        let mut identifier = BTreeMap::new();
        for path in meta.primary_identifier.iter() {
            let prop = path.trim_start_matches("/properties/");
            let value = given.and_then(|m| m.get(prop)).cloned().or_else(|| {
                def.get("Properties")
                    .and_then(|p| p.get(prop))
                    .and_then(Json::as_str)
                    .map(str::to_string)
            });
            match value {
                Some(v) if !v.is_empty() => {
                    identifier.insert(prop.to_string(), v);
                }
                _ => {
                    return Err(refuse(format!(
                        "its identifier {prop} is not a literal in the template; give it with --resource-mapping FILE ({{\"{key}\": {{\"{prop}\": \"...\"}}}})"
                    )))
                }
            }
        }
        Ok(ResourceToImport {
            resource_type,
            logical_id: lid.to_string(),
            identifier,
        })
    }
}

/// The largest `--resource-mapping` file read.
pub const MAX_RESOURCE_MAPPING_BYTES: u64 = 1 << 20;

/// Reads a `--resource-mapping` file: a JSON object of `STACK/LogicalId`
/// → identifier property → value, as `cdk import --resource-mapping` takes.
/// The error is one line naming the file and what is wrong.
pub fn read_resource_mapping(
    path: &std::path::Path,
) -> Result<BTreeMap<String, BTreeMap<String, String>>, String> {
    let shown = meshsynth::untrusted::text::inert(&path.display().to_string()).into_owned();
    let bytes = meshsynth::untrusted::fs::read_regular(path, MAX_RESOURCE_MAPPING_BYTES)
        .map_err(|e| format!("--resource-mapping {shown} {e}"))?;
    let parsed: BTreeMap<String, BTreeMap<String, String>> = serde_json::from_slice(&bytes)
        .map_err(|e| {
            format!(
                "--resource-mapping {shown}: not a JSON object of \"STACK/LogicalId\": {{\"Property\": \"value\"}} ({e})"
            )
        })?;
    if let Some(k) = parsed.keys().find(|k| !k.contains('/')) {
        return Err(format!(
            "--resource-mapping {shown}: key {:?} is not STACK/LogicalId",
            meshsynth::untrusted::text::inert(k)
        ));
    }
    Ok(parsed)
}

/// The logical ids of a template's resources.
fn resource_ids(template: Option<&Json>) -> BTreeSet<&str> {
    template
        .and_then(|t| t.get("Resources"))
        .and_then(Json::as_object)
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default()
}
