//! The page's view components, one per file. They render what they are given and report what
//! the customer does through `on…` callbacks; none of them calls the API. The check's state
//! lives in `state`; only what a component shows on its own is kept in it: the support page's
//! link builder keeps its form and the link it built, and a copy button its "Kopiert." note.

use std::rc::Rc;

mod client_advice;
mod domain_card;
mod endpoint_card;
mod lang_switch;
mod link_builder;
mod server_form;
mod settings_form;
mod support_box;

pub use client_advice::{ClientAdvice, ClientAdviceProps, ProgramPicker, ProgramPickerProps};
pub use domain_card::{DomainCard, DomainCardProps};
pub use endpoint_card::{EndpointCard, EndpointCardProps};
pub use lang_switch::{LangSwitch, LangSwitchProps};
pub use link_builder::{LinkBuilder, LinkBuilderProps};
pub use server_form::{ServerForm, ServerFormProps};
pub use settings_form::{SettingsForm, SettingsFormProps};
pub use support_box::{SupportBox, SupportBoxProps};

/// Data a component only reads — a report, a profile —, compared by pointer in its props: such
/// data never changes once it arrived (new data is a new `Rc`), so a component re-renders for
/// new data and never shows stale data, and the page ships no deep comparison of every report
/// type (1.5 KB of the download).
#[derive(Debug)]
pub struct Shared<T>(pub Rc<T>);

impl<T> Shared<T> {
    /// Shares a copy of `value` (a new pointer: the component renders it).
    pub fn new(value: T) -> Self {
        Shared(Rc::new(value))
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Rc::clone(&self.0))
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> From<Rc<T>> for Shared<T> {
    fn from(value: Rc<T>) -> Self {
        Shared(value)
    }
}
