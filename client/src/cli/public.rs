//! `public projects`, `public project` and `public rectifications`: the public portal API,
//! disclosed fields only, no key needed.

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;
use gongxin_client::display;

use super::records::{PagingArgs, ProjectFilterArgs, more_hint, paged, print_page};
use super::session::Session;

#[derive(Subcommand)]
pub(super) enum PublicCommand {
    /// Public projects, with the number that match.
    Projects {
        #[command(flatten)]
        filter: ProjectFilterArgs,
        #[command(flatten)]
        paging: PagingArgs,
    },
    /// One public project's disclosed view.
    Project { id: String },
    /// Rectification tasks' disclosed fields (title, department, deadline, status).
    Rectifications {
        /// The responsible department.
        #[arg(long)]
        department: Option<String>,
        #[command(flatten)]
        paging: PagingArgs,
    },
}

pub(super) fn run(cx: &Session, command: PublicCommand) -> Result<ExitCode> {
    match command {
        PublicCommand::Projects { filter, paging } => {
            let client = cx.client()?;
            let filter = filter.filter();
            let projects = paged(&paging, |after, limit| {
                client.public_projects(&filter, after, limit)
            })?;
            cx.output.emit(&projects, |projects| {
                let mut text = display::projects_table(&projects.projects);
                text.push_str(&format!(
                    "{} of {} public projects{}\n",
                    projects.projects.len(),
                    projects.total,
                    more_hint(projects.next.as_deref())
                ));
                text
            })?;
        }
        PublicCommand::Project { id } => {
            let project = cx.client()?.public_project(&id)?;
            cx.output.emit(&project, display::public_project)?;
        }
        PublicCommand::Rectifications { department, paging } => {
            let client = cx.client()?;
            let page = paged(&paging, |after, limit| {
                client.public_rectifications(department.as_deref(), after, limit)
            })?;
            print_page(
                cx.output,
                &page,
                "rectification tasks",
                display::rectifications_table,
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
