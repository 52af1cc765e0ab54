//! Terraform input variables: their declaration (`variables.tf`) with a
//! description and validations, and their values (`terraform.tfvars`).
//!
//! A variable whose value the platform states gets it in terraform.tfvars,
//! written by hplc; one that only the operator knows (an OCI tenancy) has no
//! value here and must come from the operator's own `*.auto.tfvars` or a
//! `TF_VAR_` environment variable.

use super::hcl::{Block, Expr, File, Item};

#[derive(Clone, Debug)]
pub struct Variable {
    pub name: &'static str,
    /// A type constraint: `string`, `list(string)`, `list(object({...}))`.
    pub ty: Expr,
    pub description: &'static str,
    pub sensitive: bool,
    /// (condition, error message), checked by Terraform before planning.
    pub validations: Vec<(String, &'static str)>,
}

impl Variable {
    pub fn new(name: &'static str, ty: &str, description: &'static str) -> Variable {
        Variable {
            name,
            ty: Expr::raw(ty),
            description,
            sensitive: false,
            validations: Vec::new(),
        }
    }

    pub fn typed(name: &'static str, ty: Expr, description: &'static str) -> Variable {
        Variable {
            ty,
            ..Variable::new(name, "", description)
        }
    }

    pub fn validate(mut self, condition: impl Into<String>, message: &'static str) -> Variable {
        self.validations.push((condition.into(), message));
        self
    }

    fn block(&self) -> Block {
        let mut block = Block::new("variable", [self.name])
            .attr("description", Expr::str(self.description))
            .attr("type", self.ty.clone());
        if self.sensitive {
            block = block.attr("sensitive", Expr::Bool(true));
        }
        for (condition, message) in &self.validations {
            block = block.block(
                Block::new::<&str>("validation", [])
                    .attr("condition", Expr::raw(condition.clone()))
                    .attr("error_message", Expr::str(*message)),
            );
        }
        block
    }
}

/// `variables.tf`: every declaration, in the order given.
pub fn declarations(variables: &[Variable]) -> File {
    File::of_blocks(variables.iter().map(Variable::block))
}

/// `terraform.tfvars`: the values the platform gives, in declaration order;
/// a value for an undeclared variable is a bug.
pub fn values(header: &str, variables: &[Variable], values: &[(&'static str, Expr)]) -> File {
    let mut items = vec![Item::Comment(header.to_string())];
    for variable in variables {
        if let Some((name, value)) = values.iter().find(|(name, _)| *name == variable.name) {
            items.push(Item::Attr(name.to_string(), value.clone()));
        }
    }
    for (name, _) in values {
        assert!(
            variables.iter().any(|v| v.name == *name),
            "a value for the undeclared variable {name}"
        );
    }
    File::new(items)
}

/// `var.NAME` for each variable, to pass every one through to a module.
pub fn pass_through(variables: &[Variable]) -> Vec<(&'static str, Expr)> {
    variables
        .iter()
        .map(|v| (v.name, Expr::raw(format!("var.{}", v.name))))
        .collect()
}
