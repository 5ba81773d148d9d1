//! The configuration's `include` and `exclude` globs: gitignore-style,
//! relative to the configuration file's directory.

use std::path::{Path, PathBuf};

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::paths::absolute;

/// `include` and `exclude` globs, gitignore-style, relative to the config's directory.
#[derive(Debug)]
pub(super) struct PathFilter {
    root: PathBuf,
    include: GitignoreBuilder,
    exclude: GitignoreBuilder,
    has_include: bool,
    has_exclude: bool,
}

/// The built matchers.
#[derive(Debug)]
pub(super) struct BuiltFilter {
    root: PathBuf,
    include: Option<Gitignore>,
    exclude: Option<Gitignore>,
}

impl PathFilter {
    pub(super) fn new(root: &Path) -> PathFilter {
        PathFilter {
            root: root.to_path_buf(),
            include: GitignoreBuilder::new(root),
            exclude: GitignoreBuilder::new(root),
            has_include: false,
            has_exclude: false,
        }
    }

    pub(super) fn add(&mut self, glob: &str, include: bool) -> Result<(), String> {
        // Each glob is built alone first, so that an error points at it.
        check_glob(&self.root, glob)?;
        let invalid = |e: ignore::Error| format!("invalid glob \"{glob}\": {}", glob_message(&e));
        let builder = if include { &mut self.include } else { &mut self.exclude };
        builder.add_line(None, &crate::paths::text::glob(glob)).map_err(invalid)?;
        if include {
            self.has_include = true;
        } else {
            self.has_exclude = true;
        }
        Ok(())
    }

    pub(super) fn build(self) -> Result<Option<BuiltFilter>, String> {
        if !self.has_include && !self.has_exclude {
            return Ok(None);
        }
        let include = if self.has_include { Some(self.include.build().map_err(|e| e.to_string())?) } else { None };
        let exclude = if self.has_exclude { Some(self.exclude.build().map_err(|e| e.to_string())?) } else { None };
        Ok(Some(BuiltFilter { root: self.root, include, exclude }))
    }
}

impl BuiltFilter {
    pub(super) fn keeps(&self, path: &Path) -> bool {
        let abs = absolute(path);
        let Ok(rel) = abs.strip_prefix(&self.root) else {
            // Outside the configuration's directory: its globs say nothing.
            return true;
        };
        if let Some(ex) = &self.exclude {
            if ex.matched_path_or_any_parents(rel, false).is_ignore() {
                return false;
            }
        }
        match &self.include {
            Some(inc) => inc.matched_path_or_any_parents(rel, false).is_ignore(),
            None => true,
        }
    }
}

/// Builds a glob alone, so that an error points at it.
pub(super) fn check_glob(root: &Path, glob: &str) -> Result<(), String> {
    crate::paths::strict_glob(glob).map_err(|m| format!("invalid glob \"{glob}\": {m}"))?;
    let invalid = |e: ignore::Error| format!("invalid glob \"{glob}\": {}", glob_message(&e));
    let mut alone = GitignoreBuilder::new(root);
    alone.add_line(None, &crate::paths::text::glob(glob)).map_err(invalid)?;
    alone.build().map_err(invalid)?;
    Ok(())
}

pub(super) fn glob_message(e: &ignore::Error) -> String {
    let text = e.to_string();
    text.rsplit(": ").next().unwrap_or(&text).to_string()
}
