//! What CloudFormation keeps when a resource leaves its stack.

/// Whether the resource's deletion policy in `template` keeps it when it
/// leaves the stack.
pub(super) fn retained(template: Option<&str>, logical_id: &str) -> bool {
    template
        .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
        .and_then(|t| {
            t["Resources"][logical_id]["DeletionPolicy"]
                .as_str()
                .map(str::to_string)
        })
        .is_some_and(|p| p == "Retain" || p == "RetainExceptOnCreate")
}
