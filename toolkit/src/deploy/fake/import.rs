//! The fake's checks of an `IMPORT` change set.

use super::*;

/// What CloudFormation checks of an `IMPORT` change set (CreateChangeSet,
/// "Importing existing resources into a stack"): every resource to import
/// is in the template with its type and a `DeletionPolicy`, has an
/// identifier, and the template changes nothing else. The changes are
/// then one `Import` per resource.
pub(super) fn import_changes(
    req: &ChangeSetRequest,
    template: &str,
    changes: Vec<ResourceChange>,
) -> Result<Vec<ResourceChange>, ApiError> {
    let invalid = |message: String| ApiError::Service {
        code: "ValidationError".into(),
        message,
    };
    if req.resources_to_import.is_empty() {
        return Err(invalid(
            "ResourcesToImport must not be empty for an IMPORT change set".into(),
        ));
    }
    let resources = resources(template);
    for r in &req.resources_to_import {
        let Some(def) = resources.get(&r.logical_id) else {
            return Err(invalid(format!(
                "Resource {} to import is not in the template",
                r.logical_id
            )));
        };
        if type_of(def) != r.resource_type {
            return Err(invalid(format!(
                "Resource type {} of {} does not match the template",
                r.resource_type, r.logical_id
            )));
        }
        if def.get("DeletionPolicy").is_none() {
            return Err(invalid(format!(
                "The following resources to import [{}] must have DeletionPolicy attribute specified in the template.",
                r.logical_id
            )));
        }
        if r.identifier.is_empty() || r.identifier.values().any(String::is_empty) {
            return Err(invalid(format!(
                "Resource identifier of {} must not be empty",
                r.logical_id
            )));
        }
    }
    let importing = |id: &str| req.resources_to_import.iter().any(|r| r.logical_id == id);
    if let Some(c) = changes
        .iter()
        .find(|c| !(c.action == "Add" && importing(&c.logical_id)))
    {
        return Err(invalid(format!(
            "As part of the import operation, you cannot modify or add [{}]",
            c.logical_id
        )));
    }
    Ok(req
        .resources_to_import
        .iter()
        .map(|r| ResourceChange {
            action: "Import".into(),
            logical_id: r.logical_id.clone(),
            resource_type: r.resource_type.clone(),
            replacement: None,
        })
        .collect())
}
