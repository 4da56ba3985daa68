//! The page's view components, one per file. They render what they are given and report what
//! the customer does through `on…` callbacks; none of them calls the API. The check's state
//! lives in `state`; only what a component shows on its own is kept in it: the support page's
//! link builder keeps its form and the link it built, and a copy button its "Kopiert." note.

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
