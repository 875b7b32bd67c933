//! TLS for the OTLP destination: which certificates are trusted and which
//! one flutter presents, as a scenario's `otlpDestination.tls` and the
//! OpenTelemetry environment variables give them.
//!
//! Order, highest first:
//! * trusted certificates: `tls.caFile` → `OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE` →
//!   `OTEL_EXPORTER_OTLP_CERTIFICATE` → `SSL_CERT_FILE` → the Mozilla roots
//!   built in (webpki-roots);
//! * a client certificate: `tls.certFile` + `tls.keyFile` →
//!   `OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE` + `…_CLIENT_KEY` →
//!   `OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE` + `…_CLIENT_KEY`.
//!
//! Files are read and checked when the run starts (and by `--check`), so a
//! missing or malformed file stops the run before any point.

use std::borrow::Cow;

use crate::scenario::read::Reader;
use crate::scenario::yaml::Node;

/// `otlpDestination.tls`, as a scenario gives it (paths, relative to the
/// working directory).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct TlsFiles<'a> {
    /// PEM certificates to trust instead of the built-in roots.
    pub ca_file: Option<Cow<'a, str>>,
    /// A PEM client certificate (chain) to present (mutual TLS).
    pub cert_file: Option<Cow<'a, str>>,
    /// The PEM private key of `cert_file`.
    pub key_file: Option<Cow<'a, str>>,
    /// Accept any server certificate (never for production: anyone can listen).
    pub insecure_skip_verify: Option<bool>,
}

pub(crate) const KEYS: &[(&str, &str)] = &[
    ("caFile", "caFile"),
    ("certFile", "certFile"),
    ("keyFile", "keyFile"),
    ("insecureSkipVerify", "insecureSkipVerify"),
];

/// `OTEL_EXPORTER_OTLP_CERTIFICATE`: trusted certificates (PEM file), every signal.
pub const ENV_CERTIFICATE: &str = "OTEL_EXPORTER_OTLP_CERTIFICATE";
/// `OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE`: trusted certificates, metrics.
pub const ENV_METRICS_CERTIFICATE: &str = "OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE";
/// `OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE`: the client certificate, every signal.
pub const ENV_CLIENT_CERTIFICATE: &str = "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE";
/// `OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE`: the client certificate, metrics.
pub const ENV_METRICS_CLIENT_CERTIFICATE: &str = "OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE";
/// `OTEL_EXPORTER_OTLP_CLIENT_KEY`: the client certificate's key, every signal.
pub const ENV_CLIENT_KEY: &str = "OTEL_EXPORTER_OTLP_CLIENT_KEY";
/// `OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY`: the client certificate's key, metrics.
pub const ENV_METRICS_CLIENT_KEY: &str = "OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY";
/// `SSL_CERT_FILE`: the system's trusted certificates, as OpenSSL reads them.
pub const ENV_SSL_CERT_FILE: &str = "SSL_CERT_FILE";

impl TlsFiles<'static> {
    /// Reads `SECTION.tls` (`otlpDestination`, `remoteWrite`); problems are
    /// reported at their place.
    pub(crate) fn read(r: &mut Reader<'_>, n: &Node, section: &str) -> Option<TlsFiles<'static>> {
        let f = r.fields(n, &format!("`{section}.tls`"), KEYS)?;
        let path = |r: &mut Reader<'_>, key: &str| {
            let node = f.get(key)?;
            let path = r.string(node, &format!("`{section}.tls.{key}`"))?;
            if path.is_empty() {
                r.error(node, format!("`{section}.tls.{key}` must name a file"));
                return None;
            }
            Some(Cow::Owned(path))
        };
        let tls = TlsFiles {
            ca_file: path(r, "caFile"),
            cert_file: path(r, "certFile"),
            key_file: path(r, "keyFile"),
            insecure_skip_verify: f
                .get("insecureSkipVerify")
                .and_then(|v| r.boolean(v, &format!("`{section}.tls.insecureSkipVerify`"))),
        };
        for (given, missing, other) in [("certFile", "keyFile", &tls.key_file), ("keyFile", "certFile", &tls.cert_file)]
        {
            if let Some(node) = f.get(given)
                && other.is_none()
                && f.get(missing).is_none()
            {
                r.error(
                    node,
                    format!("`{section}.tls.{given}` needs `{missing}` beside it: a client certificate is the pair"),
                );
            }
        }
        Some(tls)
    }

    /// A later file's settings over these, field by field.
    pub(crate) fn overlay(&mut self, later: TlsFiles<'static>) {
        let TlsFiles { ca_file, cert_file, key_file, insecure_skip_verify } = later;
        self.ca_file = ca_file.or(self.ca_file.take());
        // A client certificate and its key go together.
        if cert_file.is_some() || key_file.is_some() {
            self.cert_file = cert_file;
            self.key_file = key_file;
        }
        self.insecure_skip_verify = insecure_skip_verify.or(self.insecure_skip_verify);
    }
}

/// A PEM file, read.
#[derive(Clone, PartialEq, Eq)]
pub struct PemFile {
    /// Its path, as given.
    pub path: String,
    /// Its bytes.
    pub pem: Vec<u8>,
}

impl std::fmt::Debug for PemFile {
    /// The bytes are left out: a key is a secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PemFile").field("path", &self.path).finish_non_exhaustive()
    }
}

/// What TLS trusts and presents, resolved and read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsSettings {
    /// Certificates trusted instead of the built-in roots.
    pub roots: Option<PemFile>,
    /// A client certificate (chain) and its key.
    pub client: Option<(PemFile, PemFile)>,
    /// Any server certificate is accepted.
    pub insecure_skip_verify: bool,
}

/// Why the TLS settings cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct TlsError {
    /// The key or variable that named the file.
    pub origin: String,
    /// What is wrong.
    pub message: String,
}

/// Resolves and reads the TLS settings of `section` (`otlpDestination`,
/// `remoteWrite`); `env` reads an environment variable.
pub fn resolve(
    files: Option<&TlsFiles<'_>>,
    section: &str,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<TlsSettings, TlsError> {
    let given = |key: &str, path: Option<&Cow<'_, str>>| path.map(|p| (format!("{section}.tls.{key}"), p.to_string()));
    let from_env = |var: &str| env(var).map(|p| (var.to_owned(), p));
    let roots = given("caFile", files.and_then(|f| f.ca_file.as_ref()))
        .or_else(|| from_env(ENV_METRICS_CERTIFICATE))
        .or_else(|| from_env(ENV_CERTIFICATE))
        .or_else(|| from_env(ENV_SSL_CERT_FILE));
    let roots = roots.map(|(origin, path)| read_pem(origin, path, Pem::Certificates)).transpose()?;
    let cert = given("certFile", files.and_then(|f| f.cert_file.as_ref()));
    let client = match (cert, given("keyFile", files.and_then(|f| f.key_file.as_ref()))) {
        (Some(cert), Some(key)) => Some((cert, key)),
        _ => env_pair(&from_env, ENV_METRICS_CLIENT_CERTIFICATE, ENV_METRICS_CLIENT_KEY)?.or(env_pair(
            &from_env,
            ENV_CLIENT_CERTIFICATE,
            ENV_CLIENT_KEY,
        )?),
    };
    let client = match client {
        Some((cert, key)) => {
            Some((read_pem(cert.0, cert.1, Pem::Certificates)?, read_pem(key.0, key.1, Pem::PrivateKey)?))
        }
        None => None,
    };
    let insecure_skip_verify = files.and_then(|f| f.insecure_skip_verify).unwrap_or(false);
    Ok(TlsSettings { roots, client, insecure_skip_verify })
}

type Named = (String, String);

/// A certificate variable and its key variable: both or neither.
fn env_pair(
    from_env: &impl Fn(&str) -> Option<Named>,
    cert: &str,
    key: &str,
) -> Result<Option<(Named, Named)>, TlsError> {
    match (from_env(cert), from_env(key)) {
        (Some(c), Some(k)) => Ok(Some((c, k))),
        (None, None) => Ok(None),
        (Some(_), None) => Err(TlsError { origin: cert.to_owned(), message: format!("needs {key} beside it") }),
        (None, Some(_)) => Err(TlsError { origin: key.to_owned(), message: format!("needs {cert} beside it") }),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Pem {
    Certificates,
    PrivateKey,
}

fn read_pem(origin: String, path: String, want: Pem) -> Result<PemFile, TlsError> {
    let error = |message: String| TlsError { origin: origin.clone(), message };
    let pem = std::fs::read(&path).map_err(|e| error(format!("cannot read `{path}`: {e}")))?;
    check_pem(&pem, want).map_err(|why| error(format!("`{path}` {why}")))?;
    Ok(PemFile { path, pem })
}

/// Whether `pem` holds what is wanted, parsed as the TLS library will.
#[cfg(feature = "tls")]
fn check_pem(pem: &[u8], want: Pem) -> Result<(), &'static str> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    match want {
        Pem::Certificates => {
            let certs: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(pem).collect();
            match certs {
                Ok(c) if !c.is_empty() => Ok(()),
                Ok(_) => Err("holds no PEM certificate (`-----BEGIN CERTIFICATE-----`)"),
                Err(_) => Err("is not valid PEM"),
            }
        }
        Pem::PrivateKey => PrivateKeyDer::from_pem_slice(pem).map(|_| ()).map_err(|_| "holds no PEM private key"),
    }
}

/// Without TLS support nothing reads the files beyond their presence.
#[cfg(not(feature = "tls"))]
fn check_pem(_: &[u8], _: Pem) -> Result<(), &'static str> {
    Ok(())
}
