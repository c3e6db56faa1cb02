//! The platform skeleton the IRSA and KEDA tests share: stack `apps`
//! (account 123456789012, eu-west-1), chart `Cluster` of cluster `prod`
//! with namespace `shop` (sidecar mode), and that cluster's OIDC provider.

use meshsynth::aws::iam::OidcProviderRef;
use meshsynth::core::{App, Chart, ChartProps, ChartRef, Env, Error, Stack, StackProps, Value};
use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, MeshNamespaceProps};

/// Adds the stack, the chart and the `shop` namespace to `app`.
pub fn shop_chart(app: &mut App) -> Result<ChartRef, Error> {
    let stack = Stack::new(
        &mut app.root(),
        "apps",
        StackProps {
            env: Env::new("123456789012", "eu-west-1"),
            ..Default::default()
        },
    )?;
    let chart = Chart::new(
        &mut app.scope(stack.node())?,
        "Cluster",
        ChartProps::new("prod").namespace("shop"),
    )?;
    MeshNamespace::new(
        &mut app.scope(chart.node())?,
        "Namespace",
        MeshNamespaceProps {
            name: "shop".into(),
            mesh: MeshMode::Sidecar,
            ..Default::default()
        },
    )?;
    Ok(chart)
}

/// The cluster's OIDC provider, literal.
pub fn oidc() -> OidcProviderRef {
    OidcProviderRef {
        arn: Value::str(
            "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
        ),
        issuer_host: Value::str("oidc.eks.eu-west-1.amazonaws.com/id/ABC"),
    }
}
