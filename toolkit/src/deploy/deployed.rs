//! The deployed side of `meshsynth diff --against deployed`: every stack's
//! deployed template, fetched once (GetTemplate + DescribeStacks) and handed
//! to diff through its `DeployedTemplates` trait.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::api::{CfnApi, StackId};
use super::aws::{AwsCloud, ConnectOptions};
use super::{fetch_deployed_templates, DeployError};
use meshsynth::diff::{DeployedTemplates, DiffError};

/// Deployed templates by stack name (`None`: not deployed).
#[derive(Debug, Clone, PartialEq)]
pub struct DeployedBaseline {
    description: String,
    templates: BTreeMap<String, Option<Json>>,
}

impl DeployedBaseline {
    /// Fetches the templates of `stacks` (name, region from the stack's
    /// environment) through `api`; stacks without a region use `default_region`.
    pub async fn from_api<A: CfnApi>(
        api: &A,
        stacks: &[(String, Option<String>)],
        default_region: Option<&str>,
    ) -> Result<DeployedBaseline, DeployError> {
        let mut ids = Vec::new();
        for (name, region) in stacks {
            let region = region
                .clone()
                .or_else(|| default_region.map(str::to_string))
                .ok_or_else(|| DeployError::NoRegion {
                    stack: name.clone(),
                })?;
            ids.push(StackId::new(region, name));
        }
        let fetched = fetch_deployed_templates(api, &ids).await?;
        let regions: std::collections::BTreeSet<&str> =
            ids.iter().map(|i| i.region.as_str()).collect();
        Ok(DeployedBaseline {
            description: format!(
                "deployed ({})",
                regions.into_iter().collect::<Vec<_>>().join(", ")
            ),
            templates: fetched.into_iter().map(|(id, t)| (id.name, t)).collect(),
        })
    }

    /// Connects with the standard credential chain (and `opts`) and fetches.
    pub fn fetch(
        opts: &ConnectOptions,
        stacks: &[(String, Option<String>)],
    ) -> Result<DeployedBaseline, DeployError> {
        super::block_on(async {
            let cloud = AwsCloud::connect(opts)
                .await
                .map_err(|source| DeployError::Connect { source })?;
            let region = cloud.default_region();
            DeployedBaseline::from_api(&cloud, stacks, region.as_deref()).await
        })?
    }
}

impl DeployedTemplates for DeployedBaseline {
    fn describe(&self) -> String {
        self.description.clone()
    }

    fn template(&self, stack: &str) -> Result<Option<Json>, DiffError> {
        Ok(self.templates.get(stack).cloned().flatten())
    }
}
