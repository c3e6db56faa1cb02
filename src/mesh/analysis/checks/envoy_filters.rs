//! EnvoyFilter checks: patch operations that Istio ignores for the
//! `applyTo` they name, and relative operations whose order depends on
//! which EnvoyFilter Istio happens to apply first (IST0151 to IST0155).

use crate::mesh::analysis::codes;
use std::collections::{BTreeMap, BTreeSet};

use meshsynth_crds::istio::networking_v1alpha3::{
    EnvoyFilterSpecConfigPatches, EnvoyFilterSpecConfigPatchesApplyTo as ApplyTo,
    EnvoyFilterSpecConfigPatchesPatchOperation as Operation,
};

use crate::core::Diagnostic;
use crate::mesh::crd::SpecOf;

use super::{error, warn};
use crate::mesh::analysis::index::Index;

/// The filter a patch works on: its value's `name`, else the filter its
/// listener match names.
fn filter_name(p: &EnvoyFilterSpecConfigPatches) -> Option<String> {
    let from_value = p
        .patch
        .as_ref()
        .and_then(|pa| pa.value.as_ref())
        .and_then(|v| v.get("name"))
        .map(|n| n.as_str().map_or_else(|| n.to_string(), str::to_string));
    from_value.or_else(|| {
        let m = p.r#match.as_ref()?.listener.as_ref()?;
        m.filter_chain.as_ref()?.filter.as_ref()?.name.clone()
    })
}

/// An enum as the YAML spells it (`HTTP_ROUTE`, `INSERT_AFTER`).
fn wire<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::from("?"),
    }
}

/// IST0151-IST0155, once per EnvoyFilter and code. EnvoyFilters are read in
/// namespace/name order, as Istio applies those of equal priority; a
/// filter name patched under a `proxyVersion` match is remembered, so a
/// later relative patch of the same filter without a priority is IST0155
/// (its order depends on the proxy's version) instead of IST0151.
pub fn envoy_filters(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    let mut order: Vec<usize> = (0..ix.envoy_filters.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&ix.envoy_filters[a], &ix.envoy_filters[b]);
        (x.cluster, &x.ns, &x.name).cmp(&(y.cluster, &y.ns, &y.name))
    });
    let mut versioned: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for i in order {
        let ef = &ix.envoy_filters[i];
        let spec = ef.obj.spec();
        let no_priority = spec.priority.unwrap_or(0) == 0;
        let mut found: BTreeMap<&str, String> = BTreeMap::new();
        for (n, p) in spec.config_patches.iter().flatten().enumerate() {
            let Some(op) = p.patch.as_ref().and_then(|pa| pa.operation) else {
                continue;
            };
            let apply_to = p.apply_to.unwrap_or(ApplyTo::Invalid);
            let routes = matches!(apply_to, ApplyTo::RouteConfiguration | ApplyTo::HttpRoute);
            let name = filter_name(p);
            let at = format!("spec.configPatches[{n}]");
            let (op_name, target) = (wire(&op), wire(&apply_to));
            let relative = match op {
                Operation::Add if routes => {
                    found.entry(codes::IST0153).or_insert(format!("{at}: ADD has no effect on {target}; route configurations and routes are merged, not added"));
                    false
                }
                Operation::Remove if routes => {
                    found
                        .entry(codes::IST0154)
                        .or_insert(format!("{at}: REMOVE has no effect on {target}"));
                    false
                }
                Operation::Replace
                    if !matches!(
                        apply_to,
                        ApplyTo::HttpFilter | ApplyTo::NetworkFilter | ApplyTo::VirtualHost
                    ) =>
                {
                    found.entry(codes::IST0152).or_insert(format!("{at}: REPLACE applies to HTTP_FILTER, NETWORK_FILTER and VIRTUAL_HOST only, not {target}"));
                    false
                }
                Operation::Remove
                | Operation::Replace
                | Operation::InsertBefore
                | Operation::InsertAfter
                | Operation::Merge => true,
                _ => false,
            };
            let seen = name
                .as_ref()
                .is_some_and(|n| versioned.get(ef.cluster).is_some_and(|s| s.contains(n)));
            // A MERGE into a filter only one EnvoyFilter touches does not
            // depend on the order; into one a versioned patch also changes,
            // it does.
            let relative = relative && (op != Operation::Merge || seen);
            if relative && no_priority {
                if seen {
                    found.entry(codes::IST0155).or_insert(format!(
                        "{at}: {op_name} relative to filter {:?}, which another patch with a proxyVersion match also changes, and no priority: the order depends on the proxy version",
                        name.as_deref().unwrap_or_default()
                    ));
                } else {
                    found.entry(codes::IST0151).or_insert(format!(
                        "{at}: {op_name} is relative to other filters and the EnvoyFilter has no priority: the result depends on the order Istio applies EnvoyFilters in"
                    ));
                }
            }
            let proxy_version = p
                .r#match
                .as_ref()
                .and_then(|m| m.proxy.as_ref())
                .and_then(|px| px.proxy_version.as_deref())
                .is_some_and(|v| !v.is_empty());
            if proxy_version {
                if let Some(name) = name {
                    versioned.entry(ef.cluster).or_default().insert(name);
                }
            }
        }
        for (code, message) in found {
            let d = match code {
                codes::IST0152 | codes::IST0153 | codes::IST0154 => error(
                    code,
                    ef.path,
                    message,
                    "use an operation the applyTo supports (MERGE for route configurations)",
                ),
                _ => warn(
                    code,
                    ef.path,
                    message,
                    "set spec.priority, or use INSERT_FIRST / an absolute operation",
                ),
            };
            out.push(d);
        }
    }
}
