//! `Scope`: the mutable cursor at one node of the tree that constructs use
//! to add children, resources, objects, validations and suppressions.

use indexmap::IndexMap;

use crate::core::aspects::Aspect;
use crate::core::chart::InstallKind;
use crate::core::context::Context;
use crate::core::diag::Diagnostic;
use crate::core::error::Error;
use crate::core::names;
use crate::core::object::Deferred;
use crate::core::resource::{
    CfnNode, CfnOptions, CfnRaw, CfnResource, ErasedResource, ResourceRef,
};
use crate::core::stack::Env;
use crate::core::value::Value;

use super::*;

/// A mutable cursor at one node: constructs add children through it.
pub struct Scope<'a> {
    pub(crate) app: &'a mut App,
    pub(crate) node: u32,
}

impl<'a> Scope<'a> {
    /// This scope's node.
    pub fn id(&self) -> NodeId {
        self.app.node_id(self.node)
    }

    /// This scope's construct path.
    pub fn path(&self) -> &str {
        &self.app.node(self.node).path
    }

    /// The app's context values.
    pub fn context(&self) -> &Context {
        self.app.context()
    }

    /// Read access to the whole app (e.g. to look up a typed resource).
    pub fn app(&self) -> &App {
        self.app
    }

    /// The path a child `id` of this scope gets (`<scope path>/<id>`), for
    /// a construct's errors before its node exists.
    pub fn child_path(&self, id: &str) -> String {
        format!("{}/{id}", self.path())
    }

    /// A construct error at the child `id` of this scope, with a hint: what
    /// a construct returns when its props are refused before anything is
    /// added.
    pub fn error_at(&self, id: &str, message: impl Into<String>, hint: impl Into<String>) -> Error {
        Error::construct(self.child_path(id), message, hint)
    }

    /// Adds a plain construct node and returns a scope at it.
    pub fn child(&mut self, id: &str) -> Result<Scope<'_>, Error> {
        let index = self.app.add_node(self.node, id, NodeKind::Construct)?;
        Ok(Scope {
            app: self.app,
            node: index,
        })
    }

    /// The child `id` of this scope's node, if one was added: a construct
    /// finds what it made earlier from its handle alone (a queue's single
    /// resource policy, to which each subscription adds a statement).
    pub fn find_child(&self, id: &str) -> Option<NodeId> {
        self.app.child(self.node, id).map(|c| self.app.node_id(c))
    }

    /// A scope at another node of the same app.
    pub fn at(&mut self, node: NodeId) -> Result<Scope<'_>, Error> {
        self.app.scope(node)
    }

    /// A scope at the app's root, to add a stack or chart while this scope
    /// stays in use (`app.root()` would be a second borrow of the app).
    ///
    /// ```
    /// use meshsynth::core::Context;
    /// use meshsynth::{App, Stack, StackProps};
    /// let mut app = App::new(Context::new());
    /// let net = Stack::new(&mut app.root(), "net", StackProps::default()).unwrap();
    /// let mut s = app.scope(net.node()).unwrap();
    /// let data = Stack::new(&mut s.root(), "data", StackProps::default()).unwrap();
    /// let mut d = s.at(data.node()).unwrap();
    /// assert_eq!(d.child("Db").unwrap().path(), "data/Db");
    /// assert_eq!(s.path(), "net");
    /// ```
    pub fn root(&mut self) -> Scope<'_> {
        self.app.root()
    }

    pub(crate) fn add_kind(&mut self, id: &str, kind: NodeKind) -> Result<u32, Error> {
        self.app.add_node(self.node, id, kind)
    }

    /// Adds an L1 resource and returns its typed handle.
    pub fn add_resource<R: CfnResource>(
        &mut self,
        id: &str,
        resource: R,
    ) -> Result<ResourceRef<R>, Error> {
        self.add_erased_resource(id, Box::new(resource))
            .map(ResourceRef::new)
    }

    pub(crate) fn add_erased_resource(
        &mut self,
        id: &str,
        resource: Box<dyn ErasedResource>,
    ) -> Result<NodeId, Error> {
        let node = CfnNode {
            resource,
            options: CfnOptions::default(),
            tags: Default::default(),
            alternate: None,
            attributes: IndexMap::new(),
            property_values: IndexMap::new(),
            overlays: Vec::new(),
            origin: None,
        };
        let index = self.add_kind(id, NodeKind::Resource(Box::new(node)))?;
        Ok(self.app.node_id(index))
    }

    /// Adds a resource that may live in either of two stacks: here, or
    /// under `alternate` (a node of another stack) as `alternate_id`. Synth
    /// puts it where it keeps references between the stacks one-way: a
    /// resource that refers to something in both stacks (a security-group
    /// rule between two groups) adds an edge from the stack holding it to
    /// the other, so it goes to the stack that already depends on the other
    /// (here when neither does). Chosen from the whole app's dependency
    /// graph, so the call site and the order stacks were made in do not
    /// matter.
    pub(crate) fn add_resource_either<R: CfnResource>(
        &mut self,
        id: &str,
        resource: R,
        alternate: NodeId,
        alternate_id: &str,
    ) -> Result<ResourceRef<R>, Error> {
        let alt = self.app.index_of(alternate).ok_or_else(|| {
            Error::construct(
                self.child_path(id),
                "the alternate place is a node of another app",
                "pass a node of this app",
            )
        })?;
        let alt_path = self.app.node(alt).path.to_string();
        super::validate_id(&alt_path, alternate_id)?;
        let r = self.add_resource(id, resource)?;
        let index = self.app.index_of(r.node()).expect("just added");
        if let NodeKind::Resource(node) = &mut self.app.nodes[index as usize].kind {
            node.alternate = Some(super::super::resource::Alternate {
                parent: alt,
                id: alternate_id.to_string(),
            });
        }
        Ok(r)
    }

    /// Adds a raw resource of an unmodeled type (escape hatch).
    pub fn add_raw_resource(
        &mut self,
        id: &str,
        raw: crate::core::resource::CfnRaw,
    ) -> Result<NodeId, Error> {
        self.add_erased_resource(id, Box::new(raw))
    }

    /// Options (DependsOn, policies, overrides) of a resource of this app.
    pub fn options(&mut self, resource: NodeId) -> Result<&mut CfnOptions, Error> {
        let i = self.app.index_of(resource).ok_or_else(|| {
            Error::construct(
                self.path().to_string(),
                "options asked for a resource of another app",
                "use handles of this app",
            )
        })?;
        let path = self.path().to_string();
        match &mut self.app.node_mut(i).kind {
            NodeKind::Resource(c) => Ok(&mut c.options),
            _ => Err(Error::construct(
                path,
                "options asked for a node that is not a resource",
                "pass a ResourceRef's node",
            )),
        }
    }

    /// Gives a resource, parameter, condition or output an explicit logical
    /// ID (its name in the template), validated now.
    pub fn override_logical_id(&mut self, node: NodeId, id: &str) -> Result<(), Error> {
        let path = self.app.path_of(node).unwrap_or_default().to_string();
        names::validate_logical_id(id).map_err(|reason| {
            Error::construct(
                path.clone(),
                format!("invalid logical ID override {id:?}: {reason}"),
                "use letters and digits only, at most 255 characters",
            )
        })?;
        let i = self.app.index_of(node);
        let pinned = Some(id.to_string());
        match i.map(|i| &mut self.app.node_mut(i).kind) {
            Some(NodeKind::Parameter(p)) => p.logical_id = pinned,
            Some(NodeKind::Condition(c)) => c.logical_id = pinned,
            Some(NodeKind::Output(o)) => o.logical_id = pinned,
            _ => self.options(node)?.logical_id = pinned,
        }
        Ok(())
    }

    /// Makes a resource or an output exist only when `condition` (a
    /// `CfnCondition`) holds: the template's `Condition` attribute.
    pub fn set_condition(&mut self, node: NodeId, condition: NodeId) -> Result<(), Error> {
        let i = self.app.index_of(node);
        if let Some(NodeKind::Output(o)) = i.map(|i| &mut self.app.node_mut(i).kind) {
            o.condition = Some(condition);
            return Ok(());
        }
        self.options(node)?.condition = Some(condition);
        Ok(())
    }

    /// Sets top-level property `name` of a resource to a value, over what
    /// its typed struct holds: for a value the struct's field cannot hold,
    /// such as a list parameter's `Ref` where the field is a list, or an
    /// `Fn::If` choosing between two settings. References in the value
    /// resolve like typed ones, and the result is checked against the
    /// type's schema at synth like every property; the manifest lists the
    /// resource with the escape hatches, as for `CfnOptions::overrides`.
    pub fn set_property(
        &mut self,
        resource: NodeId,
        name: &str,
        value: Value,
    ) -> Result<(), Error> {
        let path = self.app.path_of(resource).unwrap_or_default().to_string();
        if name.is_empty() || name.contains('.') {
            return Err(Error::construct(
                path,
                format!("{name:?} is not a top-level property name"),
                "name one property (`SubnetIds`); for a nested one set its parent property",
            ));
        }
        self.resource_node(resource, path, "properties belong to resources")?
            .property_values
            .insert(name.to_string(), value);
        Ok(())
    }

    /// The resource node behind `resource`; `what` says why it must be one.
    fn resource_node(
        &mut self,
        resource: NodeId,
        path: String,
        what: &str,
    ) -> Result<&mut CfnNode, Error> {
        let i = self.app.index_of(resource);
        match i.map(|i| &mut self.app.node_mut(i).kind) {
            Some(NodeKind::Resource(r)) => Ok(r),
            _ => Err(Error::construct(path, what, "pass a ResourceRef's node")),
        }
    }

    /// Sets a resource attribute beside its properties that has no typed
    /// option: `UpdatePolicy`, `CreationPolicy`, `Metadata`, or a custom
    /// resource's legacy `Version` (as a value, so references in it
    /// resolve). Anything else is refused.
    pub fn set_resource_attribute(
        &mut self,
        resource: NodeId,
        name: &str,
        value: Value,
    ) -> Result<(), Error> {
        let path = self.app.path_of(resource).unwrap_or_default().to_string();
        if !matches!(
            name,
            "UpdatePolicy" | "CreationPolicy" | "Metadata" | "Version"
        ) {
            return Err(Error::construct(
                path,
                format!("{name:?} is not a resource attribute set this way"),
                "set UpdatePolicy, CreationPolicy, Metadata or Version here; DependsOn, Condition and the policies are CfnOptions",
            ));
        }
        self.resource_node(resource, path, "resource attributes belong to resources")?
            .attributes
            .insert(name.to_string(), value);
        Ok(())
    }

    /// Mutable access to a raw resource: one added with
    /// [`Scope::add_raw_resource`], or a resource of an included template
    /// (`aws::cfn::include`). Properties changed here are checked at synth
    /// like any other.
    pub fn raw_resource_mut(&mut self, node: NodeId) -> Option<&mut CfnRaw> {
        let i = self.app.index_of(node)?;
        match &mut self.app.node_mut(i).kind {
            NodeKind::Resource(c) => c.resource.as_any_mut().downcast_mut::<CfnRaw>(),
            _ => None,
        }
    }

    /// Sets the properties `props` gives on the resource `r`, over the ones
    /// it has: each field that is `Some` (and each one its `new` requires)
    /// replaces the property of that name whole; the others stay as they
    /// are. The typed way to change a resource whose properties are not
    /// typed, such as one an included template made
    /// ([`CfnInclude::resource`](crate::aws::cfn::include::CfnInclude::resource)),
    /// checked at synth like any other.
    pub fn set_properties<R: CfnResource>(
        &mut self,
        r: &ResourceRef<R>,
        props: R,
    ) -> Result<(), Error> {
        let path = self.app.path_of(r.node()).unwrap_or_default().to_string();
        let i = self.app.index_of(r.node());
        match i.map(|i| &mut self.app.node_mut(i).kind) {
            Some(NodeKind::Resource(c)) if c.resource.cfn_type() == R::TYPE => {
                c.overlays.push(Box::new(props));
                Ok(())
            }
            Some(NodeKind::Resource(c)) => Err(Error::construct(
                path,
                format!(
                    "properties of {} set on a resource of type {}",
                    R::TYPE,
                    c.resource.cfn_type()
                ),
                "set the properties of the resource's own type",
            )),
            _ => Err(Error::construct(
                path,
                "properties belong to resources",
                "pass a ResourceRef of this app",
            )),
        }
    }

    /// Mutable access to a typed resource (to adjust an L1 after an L2 made it).
    pub fn resource_mut<R: CfnResource>(&mut self, r: &ResourceRef<R>) -> Option<&mut R> {
        let i = self.app.index_of(r.node())?;
        match &mut self.app.node_mut(i).kind {
            NodeKind::Resource(c) => c.resource.as_any_mut().downcast_mut::<R>(),
            _ => None,
        }
    }
    /// Records a diagnostic; an empty path means this scope's path.
    pub fn report(&mut self, mut d: Diagnostic) {
        if d.path.is_empty() {
            d.path = self.path().to_string();
        }
        self.app.diagnostics.push(d);
    }

    /// Reports a construct error instead of returning it: the construct
    /// goes on being built from what it was given, and synth fails listing
    /// this error with every other problem of the app, so one run shows
    /// them all (as CDK's validation errors do). Constructs refuse props
    /// this way wherever they can still be built; an error that leaves
    /// nothing to build is returned.
    pub fn refuse(&mut self, error: Error) {
        self.report(error.into_diagnostic());
    }

    /// [`refuse`](Scope::refuse) for every error of `errors`.
    pub fn refuse_all(&mut self, errors: impl IntoIterator<Item = Error>) {
        for e in errors {
            self.refuse(e);
        }
    }

    /// Registers a check to run over the locked tree at synth.
    pub fn add_validation(&mut self, v: impl Validation + 'static) {
        self.app.validations.push((self.node, Box::new(v)));
    }

    /// Registers an app-wide check once under `key`: a library's rule set
    /// that every construct of the library enables. Later calls are no-ops.
    pub fn add_validation_once(&mut self, key: &str, v: impl Validation + 'static) {
        if self.app.validation_keys.insert(key.to_string()) {
            self.app.validations.push((0, Box::new(v)));
        }
    }

    /// Registers a check of every emitted resource once under `key` (a
    /// family's rule set); later calls with the same key are no-ops. In an
    /// app of fewer than 1,024 Kubernetes objects the checks run on
    /// several threads while the templates render, resources in any order;
    /// their findings are reported in the order the resources are written.
    pub fn add_emitted_check_once(&mut self, key: &str, check: EmittedCheck) {
        if !self.app.emitted_checks.iter().any(|(k, _)| k == key) {
            self.app.emitted_checks.push((key.to_string(), check));
        }
    }

    /// Turns `rule` (a diagnostic code such as `MS-IAM-001` or a checkov id)
    /// off for this scope's subtree. The reason is recorded in the Metadata of
    /// every resource below, so the exception stays visible in review. A
    /// code renamed in 0.2.0 (`MS-MESH-001`) applies to its new code
    /// (`MS-MESH-1`) with a deprecation note ([`crate::core::RENAMED_RULES`]).
    pub fn suppress(&mut self, rule: &str, reason: &str) -> Result<(), Error> {
        if rule.trim().is_empty() || reason.trim().is_empty() {
            return Err(Error::construct(
                self.path().to_string(),
                "a suppression needs a rule id and a reason",
                "call suppress(\"RULE-ID\", \"why this is acceptable here\")",
            ));
        }
        let node = self.node;
        let rule = match crate::core::diag::renamed_rule(rule) {
            Some(new) => {
                let note = crate::core::diag::renamed_rule_note(
                    &format!("the suppression at {}", self.path()),
                    rule.trim(),
                    new,
                );
                self.app.deprecations.push(note);
                new
            }
            None => rule,
        };
        self.app.suppressions.push(Suppression {
            node,
            rule: rule.to_string(),
            reason: reason.to_string(),
        });
        Ok(())
    }

    /// Like `suppress`, for one node (a resource or object and what is below
    /// it) rather than this whole scope, so the exception stays as narrow as
    /// the reason for it.
    pub fn suppress_node(&mut self, node: NodeId, rule: &str, reason: &str) -> Result<(), Error> {
        let index = self.app.index_of(node).ok_or_else(|| {
            Error::construct(
                self.path().to_string(),
                "suppression for a node of another app",
                "pass a handle of this app",
            )
        })?;
        let saved = self.node;
        self.node = index;
        let result = self.suppress(rule, reason);
        self.node = saved;
        result
    }

    /// Adds an install input to the enclosing chart's cluster: a file beside
    /// the manifests (an IstioOperator, Helm values) that is listed in
    /// `manifest.json` but kept out of the kustomization. meshsynth checks
    /// only that an IstioOperator has `apiVersion`, `kind` and
    /// `metadata.name` (the deployer reads it as a Kubernetes object), not
    /// what it configures, so `manifest.json` lists its path under
    /// `escapeHatches`.
    pub fn add_install_input(
        &mut self,
        name: &str,
        kind: InstallKind,
        content: &impl serde::Serialize,
    ) -> Result<(), Error> {
        self.install_input(name, kind, content, true)
    }

    /// [`Scope::add_install_input`] for meshsynth's own constructs, whose
    /// inputs are no escape hatch.
    pub(crate) fn add_builtin_install_input(
        &mut self,
        name: &str,
        kind: InstallKind,
        content: &impl serde::Serialize,
    ) -> Result<(), Error> {
        self.install_input(name, kind, content, false)
    }

    fn install_input(
        &mut self,
        name: &str,
        kind: InstallKind,
        content: &impl serde::Serialize,
        escape_hatch: bool,
    ) -> Result<(), Error> {
        let path = format!("{}/{name}", self.path());
        let chart = self.app.node(self.node).chart.ok_or_else(|| {
            Error::construct(
                path.clone(),
                "install inputs belong to a Chart",
                "create this construct under a Chart",
            )
        })?;
        names::validate_dns1123_label(name).map_err(|e| {
            Error::construct(
                path.clone(),
                format!("install input name: {e}"),
                "use a name such as \"istio-primary\"",
            )
        })?;
        let content = serde_json::to_value(content).map_err(|e| {
            Error::construct(
                path.clone(),
                format!("cannot serialize install input: {e}"),
                "report this as a meshsynth bug",
            )
        })?;
        // The deployer and `meshsynth diff` read an IstioOperator input as a
        // Kubernetes object; refusing it here keeps synth and them agreeing.
        if escape_hatch && matches!(kind, InstallKind::IstioOperator) {
            let text = |p: &str| {
                content
                    .pointer(p)
                    .and_then(|v| v.as_str())
                    .filter(|s| !s.is_empty())
            };
            let missing: Vec<&str> = [
                ("/apiVersion", "apiVersion"),
                ("/kind", "kind"),
                ("/metadata/name", "metadata.name"),
            ]
            .into_iter()
            .filter(|(p, _)| text(p).is_none())
            .map(|(_, f)| f)
            .collect();
            if !missing.is_empty() {
                return Err(Error::construct(
                    path,
                    format!("IstioOperator install input has no {}", missing.join(", ")),
                    "give it apiVersion: install.istio.io/v1alpha1, kind: IstioOperator and metadata.name, as istioctl expects",
                ));
            }
        }
        if let NodeKind::Chart(info) = &mut self.app.node_mut(chart).kind {
            info.install_inputs
                .push(crate::core::chart::InstallInputData {
                    name: name.to_string(),
                    kind,
                    content,
                    path,
                    escape_hatch,
                });
        }
        Ok(())
    }

    /// Registers an aspect to visit this scope's subtree at synth.
    pub fn add_aspect(&mut self, a: impl Aspect + 'static) {
        self.app.aspects.push((self.node, Box::new(a)));
    }

    /// The environment of the enclosing stack, if any.
    pub fn env(&self) -> Option<&Env> {
        let s = self.app.node(self.node).stack?;
        Some(&self.app.stack_info(s).env)
    }

    /// The enclosing stack's region, or an error saying the construct needs it.
    pub fn require_region(&self, what: &str) -> Result<String, Error> {
        self.env()
            .and_then(|e| e.region.clone())
            .ok_or_else(|| self.missing_env("region", what))
    }

    /// The enclosing stack's account, or an error saying the construct needs it.
    pub fn require_account(&self, what: &str) -> Result<String, Error> {
        self.env()
            .and_then(|e| e.account.clone())
            .ok_or_else(|| self.missing_env("account", what))
    }

    fn missing_env(&self, part: &str, what: &str) -> Error {
        Error::construct(
            self.path().to_string(),
            format!(
                "{what} needs the stack's {part}, but the stack has no {part} in its environment"
            ),
            "set StackProps { env: Env::new(ACCOUNT, REGION) } on the enclosing stack".to_string(),
        )
    }

    /// The namespace the enclosing chart gives to namespaced objects, if any.
    pub fn chart_namespace(&self) -> Option<&str> {
        let c = self.app.node(self.node).chart?;
        self.app.chart_info(c).namespace.as_deref()
    }

    /// The cluster the enclosing chart targets.
    pub fn cluster(&self) -> Option<&str> {
        let c = self.app.node(self.node).chart?;
        Some(&self.app.chart_info(c).cluster)
    }

    /// Turns a CloudFormation value into text for a Kubernetes field. A
    /// literal is returned as is; a resource attribute becomes a visible
    /// placeholder that `deploy` fills from a stack output (a deferred input).
    pub fn deferred(&mut self, value: &Value) -> Result<String, Error> {
        self.deferred_with(value, None)
    }

    /// Like [`Scope::deferred`], for a value deploy looks up from a
    /// resource's output (e.g. `MskCluster::bootstrap_brokers()`): the
    /// placeholder is filled with what the lookup returns.
    pub fn deferred_lookup(
        &mut self,
        value: &crate::core::object::LookupValue,
    ) -> Result<String, Error> {
        self.deferred_with(&value.value, Some(value.lookup.clone()))
    }

    fn deferred_with(
        &mut self,
        value: &Value,
        lookup: Option<crate::core::object::Lookup>,
    ) -> Result<String, Error> {
        if let Some(s) = value.as_literal() {
            return Ok(s.to_string());
        }
        let chart = self.app.node(self.node).chart.ok_or_else(|| {
            Error::construct(
                self.path().to_string(),
                "a deferred value is only meaningful inside a Chart",
                "create this construct under a Chart",
            )
        })?;
        let (target, attr) = match value {
            Value::Ref(n) => (*n, None),
            Value::GetAtt(n, a) => (*n, Some(a.to_string())),
            _ => {
                return Err(Error::construct(
                    self.path().to_string(),
                    "only a resource's Ref or attribute can cross into a Kubernetes object",
                    "pass the attribute handle itself (e.g. db.endpoint_address())",
                ))
            }
        };
        let Some(target_path) = self.app.path_of(target).map(str::to_string) else {
            return Err(Error::construct(
                self.path().to_string(),
                "dangling reference: the value refers to a resource of another app",
                "reference resources created in this app",
            ));
        };
        let suffix = lookup
            .as_ref()
            .map(|l| format!("|{}", l.tag()))
            .unwrap_or_default();
        let placeholder = match attr {
            Some(a) => format!("${{meshsynth:{target_path}#{a}{suffix}}}"),
            None => format!("${{meshsynth:{target_path}#Ref{suffix}}}"),
        };
        let consumer = self.path().to_string();
        if let NodeKind::Chart(info) = &mut self.app.node_mut(chart).kind {
            if !info.deferred.iter().any(|d| d.placeholder == placeholder) {
                info.deferred.push(Deferred {
                    placeholder: placeholder.clone(),
                    value: value.clone(),
                    lookup,
                    consumer,
                });
            }
        }
        Ok(placeholder)
    }
}
