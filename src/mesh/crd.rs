//! The shape every CRD kind shares (model layer): `metadata` + `spec`,
//! group/version/kind as constants, and the `k8s_openapi` traits that give it
//! core's `K8sObject` blanket impl. One macro so each family stays mechanical.

/// Declares a namespaced CRD kind `$name` with spec type `$spec`.
macro_rules! crd_kind {
    (
        $(#[$doc:meta])*
        $name:ident, $spec:ty, group: $group:literal, version: $version:literal, plural: $plural:literal
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct $name {
            /// Standard object metadata.
            pub metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
            /// The kind's spec.
            pub spec: $spec,
        }

        impl k8s_openapi::Resource for $name {
            const API_VERSION: &'static str = concat!($group, "/", $version);
            const GROUP: &'static str = $group;
            const KIND: &'static str = stringify!($name);
            const VERSION: &'static str = $version;
            const URL_PATH_SEGMENT: &'static str = $plural;
            type Scope = k8s_openapi::NamespaceResourceScope;
        }

        impl $crate::mesh::crd::HasSpec for $name {
            type Spec = $spec;
        }

        impl k8s_openapi::Metadata for $name {
            type Ty = k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
            fn metadata(&self) -> &Self::Ty {
                &self.metadata
            }
            fn metadata_mut(&mut self) -> &mut Self::Ty {
                &mut self.metadata
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeStruct;
                let mut st = s.serialize_struct(stringify!($name), 4)?;
                st.serialize_field("apiVersion", <$name as k8s_openapi::Resource>::API_VERSION)?;
                st.serialize_field("kind", <$name as k8s_openapi::Resource>::KIND)?;
                st.serialize_field("metadata", &self.metadata)?;
                st.serialize_field("spec", &self.spec)?;
                st.end()
            }
        }

        impl $name {
            /// An object with this `metadata.name` and spec.
            pub fn named(name: impl Into<String>, spec: $spec) -> Self {
                $name {
                    metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                        name: Some(name.into()),
                        ..Default::default()
                    },
                    spec,
                }
            }

            /// Sets `metadata.namespace` (default: the chart's namespace).
            pub fn in_namespace(mut self, namespace: impl Into<String>) -> Self {
                self.metadata.namespace = Some(namespace.into());
                self
            }

            /// Adds it to the tree under `scope` with the mesh analyzers registered.
            pub fn add(
                self,
                scope: &mut $crate::core::Scope<'_>,
                id: &str,
            ) -> Result<$crate::core::ObjectRef<$name>, $crate::core::Error> {
                $crate::mesh::add_object(scope, id, self)
            }
        }
    };
}

pub(crate) use crd_kind;

/// Gives a CRD kind declared by `crd_kind!` a `Deserialize` that reads an
/// object as written in YAML (`meshsynth analyze`): `apiVersion` and `kind`
/// are the caller's to check, `status` is accepted and dropped, and a missing
/// `metadata` or `spec` is the default.
macro_rules! crd_deserialize {
    ($($name:ident),+ $(,)?) => {
        $(
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                #[derive(serde::Deserialize)]
                struct Object {
                    #[serde(default, rename = "apiVersion")]
                    _api_version: Option<String>,
                    #[serde(default, rename = "kind")]
                    _kind: Option<String>,
                    #[serde(default)]
                    metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
                    #[serde(default)]
                    spec: <$name as $crate::mesh::crd::HasSpec>::Spec,
                    #[serde(default, rename = "status")]
                    _status: Option<serde::de::IgnoredAny>,
                }
                let o = Object::deserialize(d)?;
                Ok($name { metadata: o.metadata, spec: o.spec })
            }
        }
        )+
    };
}

pub(crate) use crd_deserialize;

/// The spec type of a CRD kind (lets `crd_deserialize!` name it).
pub(crate) trait HasSpec {
    type Spec;
}
