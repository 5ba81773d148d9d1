//! Baselines: findings recorded once (`--write-baseline`) so that later runs
//! (`--baseline`) report only new ones.
