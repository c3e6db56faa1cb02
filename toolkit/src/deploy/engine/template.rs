//! What a change set is made from: the template (inline, or uploaded to
//! the bootstrap bucket when too large) and the parameters.

use super::*;

impl<'a, A: CfnApi, S: ObjectStore, P: Approver> Engine<'a, A, S, P> {
    pub(super) async fn template_source(
        &self,
        st: &PlannedStack,
    ) -> Result<TemplateSource, DeployError> {
        let id = &st.id;
        let body = String::from_utf8(st.template.clone()).map_err(|_| DeployError::Assembly {
            path: id.name.clone(),
            message: "the template is not UTF-8".into(),
        })?;
        if body.len() <= MAX_INLINE_TEMPLATE_BYTES {
            return Ok(TemplateSource::Body(body));
        }
        let bucket = self.bucket(id, body.len()).await?;
        let digest = Sha256::digest(body.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        // Content-addressed: re-deploying the same template re-uses the object.
        let key = format!("meshsynth/templates/{}/{hex}.template", id.name);
        let bytes = body.len();
        self.store
            .put_object(&id.region, &bucket, &key, body.into_bytes())
            .await
            .map_err(Self::api_err(id, "PutObject"))?;
        let url = bootstrap::template_url(&id.region, &bucket, &key);
        self.emit(DeployEvent::Uploaded {
            stack: id.clone(),
            bytes,
            url: url.clone(),
        });
        Ok(TemplateSource::Url(url))
    }

    pub(super) async fn bucket(&self, id: &StackId, bytes: usize) -> Result<String, DeployError> {
        if let Some(b) = &self.opts.bucket {
            return Ok(b.clone());
        }
        if let Some(b) = self.buckets.borrow().get(&id.region) {
            return Ok(b.clone());
        }
        let boot = StackId::new(&id.region, bootstrap::BOOTSTRAP_STACK);
        let found = match self
            .api
            .physical_resource_id(&boot, bootstrap::BUCKET_LOGICAL_ID)
            .await
        {
            Ok(b) => b,
            Err(ApiError::NotFound(_)) => None,
            Err(e) => return Err(Self::api_err(&boot, "DescribeStackResource")(e)),
        };
        let Some(bucket) = found.filter(|b| !b.is_empty()) else {
            return Err(DeployError::NoBucket {
                stack: id.clone(),
                bytes,
                region: id.region.clone(),
            });
        };
        self.buckets
            .borrow_mut()
            .insert(id.region.clone(), bucket.clone());
        Ok(bucket)
    }

    /// Parameter values, reading outputs of producing stacks (this run's,
    /// or the deployed ones for stacks outside the plan).
    pub(super) async fn parameters(
        &self,
        st: &PlannedStack,
    ) -> Result<BTreeMap<String, String>, DeployError> {
        let mut out = BTreeMap::new();
        for (name, value) in &st.parameters {
            let v = match value {
                ParameterValue::Literal(v) => v.clone(),
                ParameterValue::Output { stack, output } => {
                    let known = self.outputs.borrow().get(stack).cloned();
                    let outputs = match known {
                        Some(o) => o,
                        None => match self.describe(stack).await? {
                            Some(i) => i.outputs,
                            None => {
                                return Err(DeployError::MissingInput {
                                    stack: st.id.clone(),
                                    parameter: name.clone(),
                                    input: format!(
                                        "output {output} of stack {stack}, which is not deployed"
                                    ),
                                })
                            }
                        },
                    };
                    outputs
                        .get(output)
                        .cloned()
                        .ok_or_else(|| DeployError::MissingInput {
                            stack: st.id.clone(),
                            parameter: name.clone(),
                            input: format!(
                                "output {output} of stack {stack}, which does not report it (is the producing stack up to date?)"
                            ),
                        })?
                }
            };
            out.insert(name.clone(), v);
        }
        Ok(out)
    }
}
