//! The baseline for `benches/load.sh`: an actix-web "hello world" that answers every GET with
//! one fixed status, content type and body (bytes captured from Quire), so the benchmark can
//! compare Quire with the fastest the same HTTP stack can go.
//!
//! Usage: `hello ADDR STATUS CONTENT_TYPE BODY_FILE`, e.g.
//! `hello 127.0.0.1:9000 200 application/json /tmp/body.json`.

use std::process::ExitCode;

use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, HttpServer, web};

/// The fixed answer, shared by every worker.
#[derive(Clone)]
struct Answer {
    status: StatusCode,
    content_type: String,
    body: web::Bytes,
}

async fn answer(answer: web::Data<Answer>) -> HttpResponse {
    let mut response = HttpResponse::build(answer.status);
    if answer.status == StatusCode::NOT_MODIFIED {
        return response.finish();
    }
    response
        .content_type(answer.content_type.as_str())
        .body(answer.body.clone())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [address, status, content_type, body_file] = args.as_slice() else {
        eprintln!("usage: hello ADDR STATUS CONTENT_TYPE BODY_FILE");
        return ExitCode::FAILURE;
    };
    let status = match status.parse::<u16>().map(StatusCode::from_u16) {
        Ok(Ok(status)) => status,
        _ => {
            eprintln!("error: `{status}` is not an HTTP status");
            return ExitCode::FAILURE;
        }
    };
    let body = match std::fs::read(body_file) {
        Ok(body) => web::Bytes::from(body),
        Err(err) => {
            eprintln!("error: cannot read {body_file}: {err}");
            return ExitCode::FAILURE;
        }
    };
    let state = Answer {
        status,
        content_type: content_type.clone(),
        body,
    };
    let result = actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(state.clone()))
                .default_service(web::to(answer))
        })
        .bind(address.as_str())?
        .run()
        .await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
