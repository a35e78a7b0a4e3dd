//! wf-verify and wf-hook against real pushes to a real bare repository.

mod common;
