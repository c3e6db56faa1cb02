//! Charts: a set of Kubernetes objects aimed at one cluster. Several charts
//! may target the same cluster; the assembly groups their files per cluster.

use std::collections::BTreeMap;

use crate::core::error::Error;
use crate::core::names;
use crate::core::object::Deferred;
use crate::core::tree::{NodeId, NodeKind, Scope};

/// Props of a `Chart`.
#[derive(Debug, Clone)]
pub struct ChartProps {
    /// The target cluster: the directory `k8s/<cluster>/` of the assembly. Required
    /// (`ChartProps::new(cluster)`).
    pub cluster: String,
    /// The namespace given to namespaced objects that set none. Default: none.
    pub namespace: Option<String>,
    /// Labels for every object of the chart. Default: none.
    pub labels: BTreeMap<String, String>,
}

impl ChartProps {
    /// Props for a chart of `cluster`, with no default namespace and no labels.
    pub fn new(cluster: impl Into<String>) -> ChartProps {
        ChartProps {
            cluster: cluster.into(),
            namespace: None,
            labels: BTreeMap::new(),
        }
    }

    /// Sets the namespace given to namespaced objects that set none.
    pub fn namespace(mut self, ns: impl Into<String>) -> ChartProps {
        self.namespace = Some(ns.into());
        self
    }
}

pub(crate) struct ChartInfo {
    pub cluster: String,
    pub namespace: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub deferred: Vec<Deferred>,
    pub install_inputs: Vec<InstallInputData>,
}

/// What an install input file is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstallKind {
    /// An `istioctl install -f` IstioOperator file.
    IstioOperator,
    /// Values for a Helm chart, e.g. `istio/istiod`.
    HelmValues {
        /// The Helm chart the values are for, e.g. `istio/istiod`.
        chart: String,
    },
}

pub(crate) struct InstallInputData {
    pub name: String,
    pub kind: InstallKind,
    pub content: serde_json::Value,
    /// The construct path that added it.
    pub path: String,
    /// Added by the user rather than a meshsynth construct: listed in
    /// `manifest.json` `escapeHatches`.
    pub escape_hatch: bool,
}

/// A set of Kubernetes objects for one cluster.
pub struct Chart;

/// A handle to a chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartRef {
    node: NodeId,
}

impl ChartRef {
    /// The chart's node in the construct tree: `app.scope(chart.node())` adds objects to it.
    pub fn node(&self) -> NodeId {
        self.node
    }
}

impl Chart {
    /// Adds a chart under `scope` (anywhere in the tree: under a stack, the chart can use its resources' values).
    pub fn new(scope: &mut Scope<'_>, id: &str, props: ChartProps) -> Result<ChartRef, Error> {
        let path = scope.child_path(id);
        names::validate_dns1123_label(&props.cluster).map_err(|e| {
            Error::construct(
                path.clone(),
                format!("cluster name: {e}"),
                "the cluster name is a directory of the assembly and must be a DNS-1123 label",
            )
        })?;
        if let Some(ns) = &props.namespace {
            names::validate_dns1123_label(ns).map_err(|e| {
                Error::construct(
                    path.clone(),
                    format!("namespace: {e}"),
                    "use a DNS-1123 label such as \"ecommerce\"",
                )
            })?;
        }
        let info = ChartInfo {
            cluster: props.cluster,
            namespace: props.namespace,
            labels: props.labels,
            deferred: Vec::new(),
            install_inputs: Vec::new(),
        };
        let index = scope.add_kind(id, NodeKind::Chart(Box::new(info)))?;
        Ok(ChartRef {
            node: scope.app.node_id(index),
        })
    }
}
