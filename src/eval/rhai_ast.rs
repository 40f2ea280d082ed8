//! The one place that reads rhai's syntax tree.
//!
//! Walking an `AST` needs rhai's `internals` feature, whose types may change
//! in any rhai release; that is why `Cargo.toml` pins rhai to one exact
//! version. Everything that depends on those types stays in this file, so a
//! rhai upgrade is a change here and nowhere else.

use rhai::{ASTNode, Expr, Stmt, AST};

/// A function or method a rule calls, where it calls it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub name: String,
    /// Arguments, not counting the object of a method call.
    pub args: usize,
    /// `x.name(...)` rather than `name(...)`.
    pub method: bool,
    pub line: usize,
    pub column: usize,
}

/// Every named function and method call in the rule (operators left out),
/// in source order, including calls inside the rule's own functions.
pub fn calls(ast: &AST) -> Vec<Call> {
    let mut out = Vec::new();
    ast.walk(&mut |path: &[ASTNode]| {
        let Some(node) = path.last() else { return true };
        let (x, pos, method) = match node {
            ASTNode::Expr(Expr::FnCall(x, pos)) => (x, *pos, false),
            ASTNode::Expr(Expr::MethodCall(x, pos)) => (x, *pos, true),
            ASTNode::Stmt(Stmt::FnCall(x, pos)) => (x, *pos, false),
            _ => return true,
        };
        // Operators (`+`, `==`, `in`) are calls too; they are not named.
        if x.op_token.is_some() || !x.name.starts_with(|c: char| c.is_alphabetic() || c == '_') {
            return true;
        }
        out.push(Call {
            name: x.name.to_string(),
            args: x.args.len(),
            method,
            line: pos.line().unwrap_or(0),
            column: pos.position().unwrap_or(0),
        });
        true
    });
    out.sort_by_key(|c| (c.line, c.column));
    out.dedup();
    out
}

/// The names of the functions the rule defines itself (`fn name(...) { }`).
pub fn own_functions(ast: &AST) -> Vec<String> {
    ast.iter_functions().map(|f| f.name.to_owned()).collect()
}
