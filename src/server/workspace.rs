//! The worker's view of the project: each workspace folder's configuration
//! (the last one that loaded: a broken `rpclint.toml` is reported and the
//! previous one kept), its settings and its [`ProjectIndex`]. A file
//! outside every folder is checked with the configuration found above it
//! and no index.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::config::{self, Config, ConfigError};
use crate::discover;
use crate::engine::{Input, ProjectIndex, Settings, check_buffer};
use crate::prefilter::WordSet;
use crate::report::Report;

pub(crate) struct Folder {
    root: PathBuf,
    /// The configuration file in use (`None`: the built-in defaults).
    config_path: Option<PathBuf>,
    config: Config,
    settings: Settings,
    index: ProjectIndex,
}

/// A configuration file and whether it loads (`None`: it does, or it is gone).
pub(crate) type ConfigState = (PathBuf, Option<ConfigError>);

#[derive(Default)]
pub(crate) struct Workspace {
    folders: Vec<Folder>,
}

impl Workspace {
    /// Reads each folder's configuration and builds its index. Returns the
    /// state of each configuration file found.
    pub(crate) fn open(roots: &[PathBuf]) -> (Workspace, Vec<ConfigState>) {
        let mut workspace = Workspace::default();
        let states = workspace.change_folders(roots, &[]);
        (workspace, states)
    }

    /// Folders added to the workspace (read as [`Workspace::open`] does) and removed.
    pub(crate) fn change_folders(&mut self, added: &[PathBuf], removed: &[PathBuf]) -> Vec<ConfigState> {
        self.folders.retain(|f| !removed.contains(&f.root));
        let mut states = Vec::new();
        let folders = &mut self.folders;
        for root in added.iter().filter(|r| !folders.iter().any(|f| &f.root == *r)).collect::<Vec<_>>() {
            let config_path = Config::find(root);
            let config = match &config_path {
                None => Config::default(),
                Some(path) => match Config::load(path) {
                    Ok(config) => {
                        states.push((path.clone(), None));
                        config
                    }
                    Err(e) => {
                        states.push((path.clone(), Some(e)));
                        Config::default()
                    }
                },
            };
            let mut folder = Folder {
                root: root.clone(),
                config_path,
                settings: settings_of(&config, root),
                config,
                index: ProjectIndex::default(),
            };
            folder.reindex();
            folders.push(folder);
        }
        // The innermost folder wins: longest roots first.
        folders.sort_by_key(|f| std::cmp::Reverse(f.root.components().count()));
        states
    }

    /// Checks a buffer's text.
    pub(crate) fn check(&self, path: &Path, text: &str) -> Report {
        let input = Input { path: path.to_path_buf(), bytes: Some(text.as_bytes().to_vec()) };
        match self.folder_of(path) {
            Some(folder) => check_buffer(&input, &folder.index, &folder.settings),
            None => {
                // Outside the workspace: the nearest configuration that loads, no index.
                let config = Config::find(path).and_then(|p| Config::load(&p).ok()).unwrap_or_default();
                let root = path.parent().unwrap_or(path);
                check_buffer(&input, &ProjectIndex::default(), &settings_of(&config, root))
            }
        }
    }

    /// Files changed on disk (saved, created, deleted). A changed
    /// `rpclint.toml` reloads the configuration of the folders it governs;
    /// a source file is read again into its folder's index. Returns the
    /// configurations' states, whether every open buffer must be checked
    /// again (a configuration changed), and the names among `used` that
    /// the changed files define or defined.
    pub(crate) fn files_changed(&mut self, paths: &[PathBuf], used: &WordSet) -> Changes {
        let mut changes = Changes::default();
        for path in paths {
            if path.file_name().is_some_and(|n| n == config::FILE_NAME) {
                for folder in &mut self.folders {
                    if let Some(state) = folder.reload_config(path) {
                        changes.all = changes.all || state.1.is_none();
                        changes.configs.push(state);
                    }
                }
                continue;
            }
            let Some(folder) = self.folders.iter_mut().find(|f| path.starts_with(&f.root)) else { continue };
            let keep = discover::has_known_extension(path) && folder.config.keeps(path) && path.is_file();
            let limits = folder.settings.limits;
            changes.names.extend(folder.index.refresh(path, keep, &limits, used));
        }
        changes.configs.sort_by(|a, b| a.0.cmp(&b.0));
        changes.configs.dedup_by(|a, b| a.0 == b.0);
        changes
    }

    fn folder_of(&self, path: &Path) -> Option<&Folder> {
        self.folders.iter().find(|f| path.starts_with(&f.root))
    }
}

/// What [`Workspace::files_changed`] found.
#[derive(Default)]
pub(crate) struct Changes {
    pub(crate) configs: Vec<ConfigState>,
    pub(crate) all: bool,
    pub(crate) names: BTreeSet<String>,
}

impl Folder {
    fn reindex(&mut self) {
        let files = match discover::discover(std::slice::from_ref(&self.root), &[]) {
            Ok(found) => found.files,
            Err(_) => Vec::new(),
        };
        let files: Vec<PathBuf> = files.into_iter().filter(|f| self.config.keeps(f)).collect();
        self.index = ProjectIndex::build(&files, &self.settings.limits);
    }

    /// Loads the configuration again if `changed` is (or may now be) this
    /// folder's. On an error the last good configuration stays.
    fn reload_config(&mut self, changed: &Path) -> Option<ConfigState> {
        // It is the nearest now (created, edited) or was (deleted, moved).
        let found = Config::find(&self.root);
        if found.as_deref() != Some(changed) && self.config_path.as_deref() != Some(changed) {
            return None;
        }
        let state = match &found {
            None => {
                // Deleted: back to the defaults.
                self.apply(None, Config::default());
                (changed.to_path_buf(), None)
            }
            Some(path) => match Config::load(path) {
                Ok(config) => {
                    self.apply(Some(path.clone()), config);
                    (path.clone(), None)
                }
                Err(e) => (path.clone(), Some(e)),
            },
        };
        Some(state)
    }

    fn apply(&mut self, path: Option<PathBuf>, config: Config) {
        self.settings = settings_of(&config, &self.root);
        self.config = config;
        self.config_path = path;
        self.reindex();
    }
}

/// The settings a buffer is checked with: the configuration's, with the
/// project root `check` would use (the repository, else the folder).
fn settings_of(config: &Config, root: &Path) -> Settings {
    let mut settings = config.settings();
    settings.project_root = crate::git::repository_root(root).or_else(|| Some(root.to_path_buf()));
    settings
}
