//! The App accessors of 0.1.0 that returned tuples, kept for one release
//! (removed in 0.3.0): the named-field versions are `objects`, `addresses`
//! and `install_input_refs`.

use super::App;
use crate::core::chart::InstallKind;
use crate::core::object::K8sObject;

impl App {
    /// Every Kubernetes object as (path, cluster, object), in tree order.
    #[deprecated(
        since = "0.2.0",
        note = "use App::objects(), whose ObjectEntry names the fields (path, cluster, object)"
    )]
    pub fn all_objects(&self) -> Vec<(&str, &str, &dyn K8sObject)> {
        self.objects()
            .into_iter()
            .map(|e| (e.path, e.cluster, e.object))
            .collect()
    }

    /// Every CloudFormation resource as (construct path, stack name, logical
    /// ID), in tree order.
    #[deprecated(
        since = "0.2.0",
        note = "use App::addresses(), whose ResourceAddress names the fields (path, stack, logical_id)"
    )]
    pub fn resource_addresses(&self) -> Vec<(&str, &str, String)> {
        self.addresses()
            .into_iter()
            .map(|a| (a.path, a.stack, a.logical_id))
            .collect()
    }

    /// Every install input as (path, cluster, file name stem, kind,
    /// content), in tree order.
    #[deprecated(
        since = "0.2.0",
        note = "use App::install_input_refs(), whose InstallInputRef names the fields"
    )]
    #[allow(clippy::type_complexity)]
    pub fn install_inputs(&self) -> Vec<(&str, &str, &str, &InstallKind, &serde_json::Value)> {
        self.install_input_refs()
            .into_iter()
            .map(|i| (i.path, i.cluster, i.name, i.kind, i.content))
            .collect()
    }
}
