//! The one place that reads rhai's syntax tree.
//!
//! Walking an `AST` needs rhai's `internals` feature, whose types may change
//! in any rhai release; that is why `Cargo.toml` pins rhai to one exact
//! version. Everything that depends on those types stays in this file, so a
//! rhai upgrade is a change here and nowhere else.

use rhai::{ASTNode, Dynamic, Expr, FnPtr, Stmt, AST};

/// A function or method a rule calls, where it calls it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub name: String,
    /// Arguments, not counting the object of a method call.
    pub args: usize,
    /// `x.name(...)` rather than `name(...)`.
    pub method: bool,
    /// A function pointer (a closure, or `Fn("name")` folded while
    /// parsing) rather than a call: its arguments are not known here.
    pub pointer: bool,
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
            // `Fn("name")` with a literal is folded into a function pointer
            // while parsing: it names a function as surely as a call does.
            ASTNode::Expr(Expr::DynamicConstant(value, pos)) => {
                let mut names = Vec::new();
                fn_pointers(value, &mut names);
                for name in names {
                    out.push(Call {
                        name,
                        args: 0,
                        method: false,
                        pointer: true,
                        line: pos.line().unwrap_or(0),
                        column: pos.position().unwrap_or(0),
                    });
                }
                return true;
            }
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
            pointer: false,
            line: pos.line().unwrap_or(0),
            column: pos.position().unwrap_or(0),
        });
        true
    });
    out.sort_by_key(|c| (c.line, c.column));
    out.dedup();
    out
}

/// The functions that pointers inside a constant name (arrays and maps too).
fn fn_pointers(value: &Dynamic, out: &mut Vec<String>) {
    if value.is_fnptr() {
        if let Some(f) = value.clone().try_cast::<FnPtr>() {
            out.push(f.fn_name().to_owned());
        }
    } else if value.is_array() {
        if let Ok(a) = value.as_array_ref() {
            a.iter().for_each(|v| fn_pointers(v, out));
        }
    } else if value.is_map() {
        if let Ok(m) = value.as_map_ref() {
            m.values().for_each(|v| fn_pointers(v, out));
        }
    }
}

/// The functions the rule defines itself (`fn name(a, b) { }`), with
/// their number of parameters: a call with another number of arguments
/// is not to them (rhai would look for a built-in function instead).
pub fn own_functions(ast: &AST) -> Vec<(String, usize)> {
    ast.iter_functions()
        .map(|f| (f.name.to_owned(), f.params.len()))
        .collect()
}
