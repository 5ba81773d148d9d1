//! SARIF artifact locations: paths as URIs, relative under `%SRCROOT%` or
//! absolute `file://` ones, percent-encoded (by [`crate::paths::text`]).

use std::path::Path;

use serde::Serialize;

use super::SRCROOT;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ArtifactLocation {
    pub(super) uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) uri_base_id: Option<&'static str>,
}

/// Turns paths into SARIF artifact locations (the rules are
/// [`crate::paths::text::artifact_uri`]'s): relative paths, and absolute
/// ones under the source root, become relative URIs under `%SRCROOT%` with
/// forward slashes; other absolute paths `file://` URIs (`file:///C:/...`,
/// `file://server/share/...`).
pub(super) struct Artifacts {
    root: Option<String>,
}

impl Artifacts {
    pub(super) fn new(root: Option<&Path>) -> Artifacts {
        Artifacts { root: root.map(|r| r.to_string_lossy().into_owned()) }
    }

    pub(super) fn location(&self, path: &str) -> ArtifactLocation {
        let (uri, relative) = crate::paths::text::artifact_uri(path, self.root.as_deref());
        ArtifactLocation { uri, uri_base_id: relative.then_some(SRCROOT) }
    }
}

/// The file URI of a directory, ending in `/`, for `originalUriBaseIds`.
pub(super) fn directory_uri(dir: &Path) -> String {
    crate::paths::text::directory_uri(&dir.to_string_lossy())
}
