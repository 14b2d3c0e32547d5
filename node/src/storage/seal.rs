//! SM4-GCM sealing of stored values (商用密码 at rest): every RocksDB value that carries record
//! content is stored as
//!
//! ```text
//! 0xE4 ‖ key id (4 bytes) ‖ nonce (12 bytes, random) ‖ SM4-GCM ciphertext ‖ tag (16 bytes)
//! ```
//!
//! with the column family's name and the value's RocksDB key as associated data, so a sealed
//! value cannot be moved to another key or column family unnoticed. The key id is the first 4
//! bytes of SM3 of the key: a value names the key that sealed it, so keys can rotate while old
//! values are still readable under the previous key.
//!
//! The key lives outside the database, in a 0600 JSON file (`StorageKeyFile`) that the node
//! creates next to a new data directory; a database with sealed values and no key, or the wrong
//! key, is refused at start with a clear error, never read as garbage.

use std::path::{Path, PathBuf};

use aes_gcm::AesGcm;
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use gongxin_core::Hash;
use serde::{Deserialize, Serialize};
use sm4::Sm4;

/// The first byte of a sealed value.
pub const SEALED_MAGIC: u8 = 0xE4;
const KEY_ID_BYTES: usize = 4;
const NONCE_BYTES: usize = 12;
const TAG_BYTES: usize = 16;
/// Bytes a sealed value adds to its plaintext.
pub const SEAL_OVERHEAD: usize = 1 + KEY_ID_BYTES + NONCE_BYTES + TAG_BYTES;

type Sm4Gcm = AesGcm<Sm4, U12>;

/// Why a stored value or a key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("stored value is not sealed (or is truncated)")]
    NotSealed,
    #[error("stored value is sealed under key {0}, which this node does not hold")]
    UnknownKey(String),
    #[error(
        "stored value does not authenticate under key {0}: wrong key, or the value was altered"
    )]
    Forged(String),
    #[error("storage key file {path}: {reason}")]
    KeyFile { path: PathBuf, reason: String },
    #[error("no randomness for a nonce")]
    Randomness,
    #[error("a value of {0} bytes is too long to seal")]
    TooLong(usize),
}

/// One SM4 key and its id.
#[derive(Clone)]
pub struct StorageKey {
    id: [u8; KEY_ID_BYTES],
    cipher: Sm4Gcm,
}

impl std::fmt::Debug for StorageKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorageKey")
            .field("id", &hex::encode(self.id))
            .finish_non_exhaustive()
    }
}

impl StorageKey {
    pub fn from_bytes(key: [u8; 16]) -> StorageKey {
        let digest = Hash::digest(&key);
        let mut id = [0u8; KEY_ID_BYTES];
        id.copy_from_slice(&digest.as_bytes()[..KEY_ID_BYTES]);
        StorageKey {
            id,
            cipher: Sm4Gcm::new(&key.into()),
        }
    }

    pub fn id_hex(&self) -> String {
        hex::encode(self.id)
    }
}

fn aad(cf: &str, key: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(cf.len() + 1 + key.len());
    aad.extend_from_slice(cf.as_bytes());
    aad.push(0);
    aad.extend_from_slice(key);
    aad
}

/// Seals and opens values: the current key seals; it and any previous keys open.
#[derive(Debug, Clone)]
pub struct Sealer {
    current: StorageKey,
    previous: Vec<StorageKey>,
}

impl Sealer {
    pub fn new(current: StorageKey, previous: Vec<StorageKey>) -> Sealer {
        Sealer { current, previous }
    }

    /// The value `plaintext` stored at `key` of column family `cf`, sealed.
    pub fn seal(&self, cf: &str, key: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce).map_err(|_| SealError::Randomness)?;
        let ciphertext = self
            .current
            .cipher
            .encrypt(
                &nonce.into(),
                Payload {
                    msg: plaintext,
                    aad: &aad(cf, key),
                },
            )
            // GCM refuses only plaintexts over 2^36 bytes.
            .map_err(|_| SealError::TooLong(plaintext.len()))?;
        let mut sealed = Vec::with_capacity(SEAL_OVERHEAD + plaintext.len());
        sealed.push(SEALED_MAGIC);
        sealed.extend_from_slice(&self.current.id);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        Ok(sealed)
    }

    /// The plaintext of a value sealed at `key` of `cf`.
    pub fn open(&self, cf: &str, key: &[u8], sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.len() < SEAL_OVERHEAD || sealed[0] != SEALED_MAGIC {
            return Err(SealError::NotSealed);
        }
        let id = &sealed[1..1 + KEY_ID_BYTES];
        let nonce = &sealed[1 + KEY_ID_BYTES..1 + KEY_ID_BYTES + NONCE_BYTES];
        let ciphertext = &sealed[1 + KEY_ID_BYTES + NONCE_BYTES..];
        let storage_key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == id)
            .ok_or_else(|| SealError::UnknownKey(hex::encode(id)))?;
        let nonce: [u8; NONCE_BYTES] = nonce.try_into().map_err(|_| SealError::NotSealed)?;
        storage_key
            .cipher
            .decrypt(
                &nonce.into(),
                Payload {
                    msg: ciphertext,
                    aad: &aad(cf, key),
                },
            )
            .map_err(|_| SealError::Forged(storage_key.id_hex()))
    }

    pub fn current_key_id(&self) -> String {
        self.current.id_hex()
    }
}

/// The storage key file: a JSON object with the key (hex) and its id, mode 0600.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StorageKeyFile {
    kind: String,
    algorithm: String,
    key_id: String,
    key: String,
}

const KEY_FILE_KIND: &str = "gongxin-storage-key";
const KEY_FILE_ALGORITHM: &str = "sm4-gcm";

/// Where a node keeps the storage key of `data_dir` unless its config names another file:
/// beside the data directory, never inside it.
pub fn default_key_path(data_dir: &Path) -> PathBuf {
    super::sibling_path(data_dir, ".storage.key")
}

/// Where `gongxin-node rekey` keeps the new key while it re-seals the database: its presence
/// means a rekey started and has not finished.
pub fn next_key_path(key_path: &Path) -> PathBuf {
    let mut name = key_path.as_os_str().to_os_string();
    name.push(".next");
    PathBuf::from(name)
}

/// Where a replaced key is kept after a rekey (copies of old backups need it).
pub fn retired_key_path(key_path: &Path, key: &StorageKey) -> PathBuf {
    let mut name = key_path.as_os_str().to_os_string();
    name.push(format!(".retired-{}", key.id_hex()));
    PathBuf::from(name)
}

/// The keys `rekey` retired beside `key_path`, newest file name last.
pub fn retired_keys(key_path: &Path) -> Result<Vec<StorageKey>, SealError> {
    let (Some(dir), Some(name)) = (key_path.parent(), key_path.file_name()) else {
        return Ok(Vec::new());
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let mut prefix = name.to_os_string();
    prefix.push(".retired-");
    let prefix = prefix.to_string_lossy().into_owned();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&prefix))
        })
        .collect();
    paths.sort();
    paths.iter().map(|p| read_key_file(p)).collect()
}

/// Reads a storage key file.
pub fn read_key_file(path: &Path) -> Result<StorageKey, SealError> {
    let bad = |reason: String| SealError::KeyFile {
        path: path.to_owned(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let file: StorageKeyFile = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    if file.kind != KEY_FILE_KIND || file.algorithm != KEY_FILE_ALGORITHM {
        return Err(bad(format!(
            "not a {KEY_FILE_KIND} file for {KEY_FILE_ALGORITHM}"
        )));
    }
    let bytes: [u8; 16] = hex::decode(&file.key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| bad("the key is not 16 bytes of hex".into()))?;
    let key = StorageKey::from_bytes(bytes);
    if key.id_hex() != file.key_id {
        return Err(bad(format!(
            "key_id {} does not match the key (its id is {})",
            file.key_id,
            key.id_hex()
        )));
    }
    Ok(key)
}

/// Creates a new storage key file at `path` (refusing to overwrite one), mode 0600.
pub fn create_key_file(path: &Path) -> Result<StorageKey, SealError> {
    let bad = |reason: String| SealError::KeyFile {
        path: path.to_owned(),
        reason,
    };
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| SealError::Randomness)?;
    let key = StorageKey::from_bytes(bytes);
    let file = StorageKeyFile {
        kind: KEY_FILE_KIND.into(),
        algorithm: KEY_FILE_ALGORITHM.into(),
        key_id: key.id_hex(),
        key: hex::encode(bytes),
    };
    let text = serde_json::to_string_pretty(&file).map_err(|e| bad(e.to_string()))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut out = options.open(path).map_err(|e| bad(e.to_string()))?;
    std::io::Write::write_all(&mut out, text.as_bytes()).map_err(|e| bad(e.to_string()))?;
    out.sync_all().map_err(|e| bad(e.to_string()))?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer() -> Sealer {
        Sealer::new(StorageKey::from_bytes([7; 16]), Vec::new())
    }

    #[test]
    fn a_sealed_value_opens_at_its_own_place_only() {
        let s = sealer();
        let sealed = s
            .seal("state", b"project/P-1", b"secret description")
            .unwrap();
        assert_eq!(sealed.len(), SEAL_OVERHEAD + 18);
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert_eq!(
            s.open("state", b"project/P-1", &sealed).unwrap(),
            b"secret description"
        );
        // Moved to another key or column family, it does not open.
        assert!(matches!(
            s.open("state", b"project/P-2", &sealed),
            Err(SealError::Forged(_))
        ));
        assert!(matches!(
            s.open("blocks", b"project/P-1", &sealed),
            Err(SealError::Forged(_))
        ));
        // Two seals of the same value differ (random nonces).
        assert_ne!(
            sealed,
            s.seal("state", b"project/P-1", b"secret description")
                .unwrap()
        );
    }

    #[test]
    fn altered_truncated_or_foreign_values_are_refused() {
        let s = sealer();
        let mut sealed = s.seal("entries", b"k", b"value").unwrap();
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert!(matches!(
            s.open("entries", b"k", &sealed),
            Err(SealError::Forged(_))
        ));
        assert!(matches!(
            s.open("entries", b"k", &sealed[..10]),
            Err(SealError::NotSealed)
        ));
        assert!(matches!(
            s.open("entries", b"k", b"plain"),
            Err(SealError::NotSealed)
        ));
        let other = Sealer::new(StorageKey::from_bytes([9; 16]), Vec::new());
        let sealed = other.seal("entries", b"k", b"value").unwrap();
        assert!(matches!(
            s.open("entries", b"k", &sealed),
            Err(SealError::UnknownKey(_))
        ));
    }

    #[test]
    fn a_rotated_key_still_opens_what_the_previous_one_sealed() {
        let old = StorageKey::from_bytes([1; 16]);
        let sealed = Sealer::new(old.clone(), Vec::new())
            .seal("txs", b"k", b"v")
            .unwrap();
        let rotated = Sealer::new(StorageKey::from_bytes([2; 16]), vec![old]);
        assert_eq!(rotated.open("txs", b"k", &sealed).unwrap(), b"v");
        assert_ne!(rotated.current_key_id(), hex::encode(&sealed[1..5]));
    }

    #[test]
    fn key_files_round_trip_and_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = default_key_path(&dir.path().join("data"));
        assert_eq!(path, dir.path().join("data.storage.key"));
        let key = create_key_file(&path).unwrap();
        assert_eq!(read_key_file(&path).unwrap().id_hex(), key.id_hex());
        assert!(create_key_file(&path).is_err(), "never overwrites a key");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "{}").unwrap();
        assert!(matches!(
            read_key_file(&path),
            Err(SealError::KeyFile { .. })
        ));
    }
}
