//! The sandbox's limits, in one place, applied to every engine.

/// rhai's limits for rule evaluation. 0 would mean unlimited; none is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Operations one rule may run on one customer; an endless loop stops here.
    pub max_operations: u64,
    /// Nested function calls.
    pub max_call_levels: usize,
    /// Expression nesting, at top level and inside functions.
    pub max_expr_depth: usize,
    pub max_function_expr_depth: usize,
    pub max_string_size: usize,
    pub max_array_size: usize,
    pub max_map_size: usize,
    /// Variables one rule may declare.
    pub max_variables: usize,
    /// Functions one rule may define.
    pub max_functions: usize,
}

/// Named defaults: generous for a branch rule, small enough that a faulty
/// rule costs a teller a fraction of a millisecond.
pub mod default_limits {
    pub const MAX_OPERATIONS: u64 = 20_000;
    pub const MAX_CALL_LEVELS: usize = 16;
    pub const MAX_EXPR_DEPTH: usize = 48;
    pub const MAX_FUNCTION_EXPR_DEPTH: usize = 32;
    pub const MAX_STRING_SIZE: usize = 4_096;
    pub const MAX_ARRAY_SIZE: usize = 1_024;
    pub const MAX_MAP_SIZE: usize = 256;
    pub const MAX_VARIABLES: usize = 64;
    pub const MAX_FUNCTIONS: usize = 16;
}

impl Default for Limits {
    fn default() -> Self {
        use default_limits::*;
        Limits {
            max_operations: MAX_OPERATIONS,
            max_call_levels: MAX_CALL_LEVELS,
            max_expr_depth: MAX_EXPR_DEPTH,
            max_function_expr_depth: MAX_FUNCTION_EXPR_DEPTH,
            max_string_size: MAX_STRING_SIZE,
            max_array_size: MAX_ARRAY_SIZE,
            max_map_size: MAX_MAP_SIZE,
            max_variables: MAX_VARIABLES,
            max_functions: MAX_FUNCTIONS,
        }
    }
}

impl Limits {
    /// The default limits with the operation budget a pack states.
    pub fn from_budgets(b: &crate::pack::Budgets) -> Limits {
        Limits {
            max_operations: b.operations_per_rule,
            ..Limits::default()
        }
    }

    /// rhai reads 0 as "unlimited": refuse it, a sandbox has bounds.
    pub fn check(&self) -> Result<(), String> {
        let fields = [
            ("max_operations", self.max_operations as usize),
            ("max_call_levels", self.max_call_levels),
            ("max_expr_depth", self.max_expr_depth),
            ("max_function_expr_depth", self.max_function_expr_depth),
            ("max_string_size", self.max_string_size),
            ("max_array_size", self.max_array_size),
            ("max_map_size", self.max_map_size),
            ("max_variables", self.max_variables),
            ("max_functions", self.max_functions),
        ];
        match fields.iter().find(|(_, v)| *v == 0) {
            Some((name, _)) => Err(format!("{name} is 0, which rhai reads as unlimited")),
            None => Ok(()),
        }
    }

    pub(crate) fn apply(&self, engine: &mut rhai::Engine) {
        engine
            // One more than the budget: the engine's own count (budget.rs),
            // which also counts closures and helper walks, stops a rule
            // first, with the budget's name in its message; rhai's is the backstop.
            .set_max_operations(self.max_operations.saturating_add(1))
            .set_max_call_levels(self.max_call_levels)
            .set_max_expr_depths(self.max_expr_depth, self.max_function_expr_depth)
            .set_max_string_size(self.max_string_size)
            .set_max_array_size(self.max_array_size)
            .set_max_map_size(self.max_map_size)
            .set_max_variables(self.max_variables)
            .set_max_functions(self.max_functions);
    }
}
