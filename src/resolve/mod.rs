//! The resolver: what values reach each call of a known API.
//!
//! [`flow::analyze`] runs a forward data-flow analysis over one function's
//! CFG, through locals, fields, pointers, project constants ([`consts`]) and
//! the knowledge base's helpers, and records [`facts::CallFacts`] for the rules.

pub(crate) mod callback;
pub(crate) mod callers;
pub mod consts;
pub(crate) mod facts;
mod field_text;
pub(crate) mod fields;
pub(crate) mod layouts;
pub(crate) mod literals;
pub(crate) mod flow;
pub(crate) mod order;
pub(crate) mod pipes;
pub(crate) mod project;
pub(crate) mod servers;
pub(crate) mod status;
pub(crate) mod value;

pub use consts::ConstTable;
pub use facts::{CallFacts, FunctionFacts, TestInfo};
pub use field_text::FieldText;
pub use fields::{FieldFacts, FieldFile};
pub(crate) use fields::{member_read, proxy_members};
pub use flow::{FileCtx, analyze};
pub use project::ProjectFacts;
pub use value::{Atom, Mark, Origin, Slot, StructVal, Value};

use crate::ir::{CallId, ExprId, Function};
use crate::kb::{HelperKind, Kb};

/// The argument a transparent helper call (`TEXT(x)`, `w!(x)`, `Some(x)`)
/// returns, or `None` when the call is not one.
pub(crate) fn transparent_arg(kb: &Kb, func: &Function, c: CallId) -> Option<ExprId> {
    let call = func.calls.get(c.index())?;
    let h = kb.helper_for_call(&call.callee, call.receiver.is_some())?;
    if h.kind != HelperKind::Transparent {
        return None;
    }
    match h.from.unwrap_or(0) {
        -1 => call.receiver,
        i => call.args.get(usize::try_from(i).ok()?).copied(),
    }
}
