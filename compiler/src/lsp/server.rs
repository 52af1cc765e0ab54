//! The loop: read a message, answer it, publish what changed.
//!
//! Edits only mark documents stale; the platforms are recompiled when the
//! queue of incoming messages is empty, or before a request is answered, so
//! that a burst of keystrokes costs one compilation and every answer reads
//! the text the editor shows. Each message is handled under
//! `catch_unwind`: an internal error fails that one request, never the
//! session.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response, ResponseError};
use lsp_types::notification::{self as notif, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    CompletionResponse, DocumentSymbolResponse, GotoDefinitionResponse, InitializeResult,
    PublishDiagnosticsParams, ServerInfo, TextDocumentIdentifier, TextDocumentPositionParams, Url,
};
use serde_json::Value;

use super::position::LineIndex;
use super::project::Project;
use super::uri::DocId;
use super::workspace::Workspace;
use super::{capabilities, completion, definition, formatting, hover, symbols};
use crate::source::FileId;

/// The custom request that serves a stdlib module's text to the editor:
/// params `{ "uri": "hplc-stdlib:///oci.hpl" }`, result the text or null.
pub const STDLIB_REQUEST: &str = "hplc/stdlib";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Uninitialized,
    Running,
    ShuttingDown,
}

pub struct Server {
    connection: Connection,
    phase: Phase,
    workspace: Workspace,
}

impl Server {
    pub fn new(connection: Connection) -> Server {
        Server {
            connection,
            phase: Phase::Uninitialized,
            workspace: Workspace::default(),
        }
    }

    /// Serves until `exit` or the end of input; the process exit code: 0
    /// after an orderly `shutdown`, 1 otherwise, as the protocol says.
    pub fn serve(mut self) -> i32 {
        loop {
            if self.workspace.is_stale() && self.connection.receiver.is_empty() {
                self.refresh();
            }
            let Ok(message) = self.connection.receiver.recv() else {
                return 1;
            };
            match message {
                Message::Request(request) => self.on_request(request),
                Message::Notification(n) if n.method == notif::Exit::METHOD => {
                    return if self.phase == Phase::ShuttingDown {
                        0
                    } else {
                        1
                    };
                }
                Message::Notification(n) => {
                    self.guarded("handling a notification", |s| s.on_notification(n))
                }
                Message::Response(_) => {}
            }
        }
    }

    fn send(&self, message: Message) {
        // The writer is gone only when the client is: nothing to tell.
        let _ = self.connection.sender.send(message);
    }

    fn guarded(&mut self, what: &str, f: impl FnOnce(&mut Self)) {
        if catch_unwind(AssertUnwindSafe(|| f(self))).is_err() {
            eprintln!("hplc lsp: internal error while {what}; the session goes on");
        }
    }

    fn refresh(&mut self) {
        let mut published: Vec<PublishDiagnosticsParams> = Vec::new();
        self.guarded("compiling", |s| published = s.workspace.refresh());
        for params in published {
            self.send(Notification::new(notif::PublishDiagnostics::METHOD.into(), params).into());
        }
    }

    fn on_request(&mut self, request: Request) {
        let id = request.id.clone();
        let result = match self.phase {
            Phase::Uninitialized if request.method != req::Initialize::METHOD => Err(error(
                ErrorCode::ServerNotInitialized,
                "the server is not initialized yet",
            )),
            Phase::Running if request.method == req::Initialize::METHOD => Err(error(
                ErrorCode::InvalidRequest,
                "the server is initialized already",
            )),
            Phase::ShuttingDown => Err(error(
                ErrorCode::InvalidRequest,
                "the server is shutting down",
            )),
            _ => {
                if self.workspace.is_stale() {
                    self.refresh();
                }
                catch_unwind(AssertUnwindSafe(|| self.answer(request))).unwrap_or_else(|_| {
                    eprintln!(
                        "hplc lsp: internal error while answering a request; the session goes on"
                    );
                    Err(error(
                        ErrorCode::InternalError,
                        "hplc could not answer this request (an internal error)",
                    ))
                })
            }
        };
        let response = match result {
            Ok(value) => Response {
                id,
                result: Some(value),
                error: None,
            },
            Err(e) => Response {
                id,
                result: None,
                error: Some(e),
            },
        };
        self.send(response.into());
    }

    fn answer(&mut self, request: Request) -> Result<Value, ResponseError> {
        let params = request.params;
        match request.method.as_str() {
            req::Initialize::METHOD => {
                Ok(serde_json::to_value(self.initialize(&params)).unwrap_or_default())
            }
            req::Shutdown::METHOD => {
                self.phase = Phase::ShuttingDown;
                Ok(Value::Null)
            }
            req::HoverRequest::METHOD => call::<req::HoverRequest>(params, |p| {
                self.at(&p.text_document_position_params, hover::hover)
            }),
            req::GotoDefinition::METHOD => call::<req::GotoDefinition>(params, |p| {
                self.at(&p.text_document_position_params, definition::definition)
                    .map(GotoDefinitionResponse::Scalar)
            }),
            req::Completion::METHOD => call::<req::Completion>(params, |p| {
                self.at(&p.text_document_position, |project, file, offset| {
                    Some(completion::completion(project, file, offset))
                })
                .map(CompletionResponse::Array)
            }),
            req::Formatting::METHOD => call::<req::Formatting>(params, |p| {
                let DocId::File(path) = DocId::from_uri(&p.text_document.uri)? else {
                    return None;
                };
                formatting::formatting(&self.workspace.documents.get(&path)?.text)
            }),
            req::DocumentSymbolRequest::METHOD => call::<req::DocumentSymbolRequest>(params, |p| {
                Some(DocumentSymbolResponse::Nested(symbols::symbols(
                    &self.text_of(&p.text_document)?,
                )))
            }),
            STDLIB_REQUEST => {
                #[derive(serde::Deserialize)]
                struct Params {
                    uri: Url,
                }
                let params: Params = serde_json::from_value(params).map_err(invalid_params)?;
                let text = DocId::from_uri(&params.uri).and_then(|d| d.stdlib_text());
                Ok(text.map_or(Value::Null, |t| Value::String(t.to_string())))
            }
            method => Err(error(
                ErrorCode::MethodNotFound,
                &format!("hplc does not answer `{method}`"),
            )),
        }
    }

    /// The options the editor starts hplc with: `{ "env": "production" }`
    /// in `initializationOptions`, and the workspace folders.
    fn initialize(&mut self, params: &Value) -> InitializeResult {
        self.workspace.env = env_setting(params.get("initializationOptions"));
        let folders = params
            .get("workspaceFolders")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|f| f.get("uri"));
        let root = params.get("rootUri").into_iter();
        self.workspace.folders = folders.chain(root).filter_map(file_path).collect();
        self.phase = Phase::Running;
        InitializeResult {
            capabilities: capabilities::server(),
            server_info: Some(ServerInfo {
                name: "hplc".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
        }
    }

    fn on_notification(&mut self, n: Notification) {
        let doc = n.params.pointer("/textDocument/uri").and_then(file_path);
        match (n.method.as_str(), doc) {
            (notif::DidOpenTextDocument::METHOD, Some(path)) => {
                let Ok(p) =
                    serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(n.params)
                else {
                    return;
                };
                self.workspace.documents.open(
                    path.clone(),
                    p.text_document.text,
                    p.text_document.version,
                );
                self.workspace.touch(path);
            }
            (notif::DidChangeTextDocument::METHOD, Some(path)) => {
                let Ok(p) =
                    serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(n.params)
                else {
                    return;
                };
                if self.workspace.documents.change(
                    &path,
                    p.content_changes,
                    p.text_document.version,
                ) {
                    self.workspace.touch(path);
                }
            }
            // Saving may come after other files changed on disk: read them again.
            (notif::DidSaveTextDocument::METHOD, Some(path)) => self.workspace.touch(path),
            (notif::DidCloseTextDocument::METHOD, Some(path)) => {
                self.workspace.documents.close(&path);
                self.workspace.touch(path);
            }
            (notif::DidChangeConfiguration::METHOD, _) => {
                let env = env_setting(n.params.pointer("/settings/hplc"));
                if env != self.workspace.env {
                    self.workspace.env = env;
                    self.workspace.recompile_all();
                }
            }
            _ => {}
        }
    }

    /// Runs a position request on the project that loaded the document.
    fn at<T>(
        &self,
        at: &TextDocumentPositionParams,
        f: impl FnOnce(&Project, FileId, usize) -> Option<T>,
    ) -> Option<T> {
        let doc = DocId::from_uri(&at.text_document.uri)?;
        let project = self.workspace.project_of(&doc)?;
        let file = project.file(&doc)?;
        let offset = LineIndex::new(project.text(file)).offset(at.position);
        f(project, file, offset)
    }

    /// A document's text: as the editor holds it, or the embedded stdlib's.
    fn text_of(&self, document: &TextDocumentIdentifier) -> Option<String> {
        match DocId::from_uri(&document.uri)? {
            DocId::File(path) => self.workspace.documents.get(&path).map(|d| d.text.clone()),
            stdlib => stdlib.stdlib_text().map(str::to_string),
        }
    }
}

/// `hplc.env`; an empty setting is the default environment.
fn env_setting(options: Option<&Value>) -> Option<String> {
    options?
        .get("env")?
        .as_str()
        .filter(|e| !e.is_empty())
        .map(str::to_string)
}

/// The path of a `file:` URI given as JSON.
fn file_path(uri: &Value) -> Option<PathBuf> {
    match DocId::from_uri(&Url::parse(uri.as_str()?).ok()?)? {
        DocId::File(path) => Some(path),
        DocId::Stdlib(_) => None,
    }
}

fn call<R: req::Request>(
    params: Value,
    f: impl FnOnce(R::Params) -> R::Result,
) -> Result<Value, ResponseError> {
    let params = serde_json::from_value(params).map_err(invalid_params)?;
    serde_json::to_value(f(params)).map_err(|e| error(ErrorCode::InternalError, &e.to_string()))
}

fn invalid_params(e: serde_json::Error) -> ResponseError {
    error(
        ErrorCode::InvalidParams,
        &format!("invalid parameters: {e}"),
    )
}

fn error(code: ErrorCode, message: &str) -> ResponseError {
    ResponseError {
        code: code as i32,
        message: message.to_string(),
        data: None,
    }
}
