//! Parts: independent pieces of one app (several platforms, or one
//! platform per environment) that synthesis builds, checks and writes one
//! at a time, so the memory a large app needs is that of its largest part,
//! not of all of them (docs/performance.md, twenty-eighth round).

use super::App;
use crate::core::error::Error;

/// How a part is built: the same shape as a platform's build function.
pub type PartBuild = Box<dyn FnOnce(&mut App) -> Result<(), Error> + Send>;

/// A part declared with [`App::add_part`], not built yet.
pub(crate) struct Part {
    pub name: String,
    pub build: PartBuild,
}

impl App {
    /// Declares an independent part of the app. Its build function runs
    /// when synthesis reaches it, on an app of its own (the same name and
    /// context values); the part is then checked and written, and its tree
    /// freed before the next part is built. Parts are synthesized in the
    /// order they were added, and the assembly is the one the same
    /// constructs would give in one tree, as long as no part reads
    /// another: a handle from another part is refused as a node of
    /// another app, and the mesh analyzers and checks across objects see
    /// one part at a time. Stack names and assembly files are still
    /// checked across parts.
    ///
    /// An app with parts holds every construct in them: adding a stack,
    /// chart, aspect or validation to the app itself is refused at synth.
    /// The name is a DNS-1123 label, unique among the app's parts.
    pub fn add_part(
        &mut self,
        name: &str,
        build: impl FnOnce(&mut App) -> Result<(), Error> + Send + 'static,
    ) -> Result<(), Error> {
        let refuse = |message: String, hint: &str| Err(Error::construct("app", message, hint));
        if let Some(own) = &self.part {
            return refuse(
                format!("part {name:?} was added inside part {own:?}; parts do not nest"),
                "add every part from the platform's build function",
            );
        }
        if self.locked {
            return refuse(
                format!("part {name:?} was added after synthesis started"),
                "add parts from the platform's build function",
            );
        }
        if let Err(e) = crate::core::names::validate_dns1123_label(name) {
            return refuse(
                format!("part name {:?}: {e}", crate::untrusted::inert(name)),
                "name a part like a Kubernetes object, e.g. \"payments\" or \"prod\"",
            );
        }
        let parts = self.parts.get_mut().unwrap_or_else(|p| p.into_inner());
        if parts.iter().any(|p| p.name == name) {
            return refuse(
                format!("part {name:?} was added twice"),
                "give each part a unique name",
            );
        }
        parts.push(Part {
            name: name.to_string(),
            build: Box::new(build),
        });
        Ok(())
    }

    /// The names of the parts declared so far, in order (empty for an app
    /// built in one tree).
    pub fn part_names(&self) -> Vec<String> {
        let parts = self.parts.lock().unwrap_or_else(|p| p.into_inner());
        parts.iter().map(|p| p.name.clone()).collect()
    }

    /// The part this app is, while synthesis builds it (`None` for the app
    /// itself and for an app without parts).
    pub fn part(&self) -> Option<&str> {
        self.part.as_deref()
    }

    /// Takes the declared parts, leaving none.
    pub(crate) fn take_parts(&mut self) -> Vec<Part> {
        std::mem::take(self.parts.get_mut().unwrap_or_else(|p| p.into_inner()))
    }

    /// Whether parts were declared.
    pub(crate) fn has_parts(&self) -> bool {
        !self
            .parts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
    }

    /// An empty app for part `name`: this app's name and context values.
    pub(crate) fn new_part(&self, name: &str) -> App {
        let mut part = App::new(self.context.fresh_copy());
        part.name = self.name.clone();
        part.part = Some(name.to_string());
        part
    }

    /// What the app itself holds besides its parts, which an app with
    /// parts may not: a description for the error, or `None`.
    pub(crate) fn outside_parts(&self) -> Option<String> {
        if let Some(&child) = self.nodes[0].children.first() {
            return Some(format!(
                "construct {:?} was added to the app itself",
                self.nodes[child as usize].path.to_string()
            ));
        }
        if !self.aspects.is_empty() {
            return Some("an aspect was added to the app itself".into());
        }
        if !self.validations.is_empty() {
            return Some("a validation was added to the app itself".into());
        }
        if !self.suppressions.is_empty() {
            return Some("a rule was suppressed on the app itself".into());
        }
        None
    }
}
