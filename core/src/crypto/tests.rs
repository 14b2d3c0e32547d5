use super::*;

/// RFC 8032 §7.1, TEST 1–3: (secret, public, message, signature).
const RFC8032: [(&str, &str, &str, &str); 3] = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
];

#[test]
fn ed25519_rfc8032_known_answers() {
    for (secret, public, message, signature) in RFC8032 {
        let key =
            Keypair::from_secret_bytes(Algorithm::Ed25519, &hex::decode(secret).unwrap()).unwrap();
        assert_eq!(hex::encode(key.public_key().as_bytes()), public);
        let message = hex::decode(message).unwrap();
        let sig = key.sign(&message);
        assert_eq!(hex::encode(sig.as_bytes()), signature);
        assert_eq!(key.public_key().verify(&message, &sig), Ok(()));
    }
}

#[test]
fn ed25519_rejects_other_message_and_flipped_bits() {
    let key = Keypair::generate(Algorithm::Ed25519).unwrap();
    let sig = key.sign(b"pay 100");
    let pk = key.public_key();
    assert_eq!(pk.verify(b"pay 900", &sig), Err(CryptoError::BadSignature));
    for bit in [0usize, 100, 511] {
        let mut raw = *sig.as_bytes();
        raw[bit / 8] ^= 1 << (bit % 8);
        assert!(pk.verify(b"pay 100", &Signature::Ed25519(raw)).is_err());
    }
}

#[test]
fn ed25519_strict_rejects_small_order_key() {
    // The identity point (y = 1) is a small-order public key: verify_strict must refuse it,
    // and so must key parsing.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    assert!(PublicKey::from_bytes(Algorithm::Ed25519, &identity).is_err());
    let forged = Signature::Ed25519({
        let mut s = [0u8; 64];
        s[0] = 1; // R = identity, s = 0: valid under the cofactored equation for the identity key
        s
    });
    assert!(
        PublicKey::Ed25519(identity)
            .verify(b"anything", &forged)
            .is_err()
    );
    let items = [BatchItem {
        key: &PublicKey::Ed25519(identity),
        message: b"x",
        signature: &forged,
    }];
    assert!(verify_batch(&items)[0].is_err());
}

#[test]
fn sm2_sign_verify_round_trip_and_cross_message_rejection() {
    let key = Keypair::generate(Algorithm::Sm2).unwrap();
    let pk = key.public_key();
    assert_eq!(pk.algorithm(), Algorithm::Sm2);
    let sig = key.sign(b"disburse 1,000,000 fen");
    assert_eq!(pk.verify(b"disburse 1,000,000 fen", &sig), Ok(()));
    assert_eq!(
        pk.verify(b"disburse 9,000,000 fen", &sig),
        Err(CryptoError::BadSignature)
    );
    let other = Keypair::generate(Algorithm::Sm2).unwrap().public_key();
    assert_eq!(
        other.verify(b"disburse 1,000,000 fen", &sig),
        Err(CryptoError::BadSignature)
    );
    // Deterministic nonces: signing twice gives the same bytes.
    assert_eq!(key.sign(b"m"), key.sign(b"m"));
}

#[test]
fn sm2_signature_is_standard_with_default_distid() {
    // The raw SM2 verifier with the GM/T 0009 default id accepts our signature, so other SM2
    // implementations using the default id interoperate.
    use sm2::dsa::signature::Verifier;
    let key = Keypair::generate(Algorithm::Sm2).unwrap();
    let sig = key.sign(b"abc");
    let PublicKey::Sm2(raw) = key.public_key() else {
        panic!("sm2 key")
    };
    let vk = sm2::dsa::VerifyingKey::from_sec1_bytes("1234567812345678", &raw).unwrap();
    let s = sm2::dsa::Signature::from_slice(sig.as_bytes()).unwrap();
    assert!(vk.verify(b"abc", &s).is_ok());
    let vk_other_id = sm2::dsa::VerifyingKey::from_sec1_bytes("ALICE123@YAHOO.COM", &raw).unwrap();
    assert!(vk_other_id.verify(b"abc", &s).is_err());
}

#[test]
fn algorithms_do_not_mix() {
    let ed = Keypair::generate(Algorithm::Ed25519).unwrap();
    let sm = Keypair::generate(Algorithm::Sm2).unwrap();
    let sig = sm.sign(b"m");
    assert_eq!(
        ed.public_key().verify(b"m", &sig),
        Err(CryptoError::AlgorithmMismatch {
            key: Algorithm::Ed25519,
            signature: Algorithm::Sm2
        })
    );
}

#[test]
fn text_forms_round_trip_and_reject_garbage() {
    for alg in [Algorithm::Ed25519, Algorithm::Sm2] {
        let key = Keypair::generate(alg).unwrap();
        let pk = key.public_key();
        let text = pk.to_string();
        assert!(text.starts_with(&format!("{alg}:")));
        assert_eq!(text.parse::<PublicKey>().unwrap(), pk);
        let sig = key.sign(b"m");
        assert_eq!(sig.to_string().parse::<Signature>().unwrap(), sig);
        let json = serde_json::to_string(&pk).unwrap();
        assert_eq!(serde_json::from_str::<PublicKey>(&json).unwrap(), pk);
    }
    assert_eq!("rsa:00".parse::<PublicKey>(), Err(CryptoError::BadTextForm));
    assert_eq!(
        "ed25519".parse::<PublicKey>(),
        Err(CryptoError::BadTextForm)
    );
    assert_eq!("ed25519:zz".parse::<PublicKey>(), Err(CryptoError::NotHex));
    assert!(matches!(
        "ed25519:00".parse::<PublicKey>(),
        Err(CryptoError::Length { .. })
    ));
    assert!(matches!(
        "sm2:00".parse::<Signature>(),
        Err(CryptoError::Length { .. })
    ));
    // 33 bytes that are not a point on the SM2 curve.
    assert_eq!(
        format!("sm2:05{}", "11".repeat(32)).parse::<PublicKey>(),
        Err(CryptoError::InvalidPublicKey(Algorithm::Sm2))
    );
}

#[test]
fn sm2_uncompressed_input_is_normalised() {
    use sm2::elliptic_curve::sec1::ToSec1Point;
    let key = Keypair::generate(Algorithm::Sm2).unwrap();
    let Keypair::Sm2(inner) = &key else {
        panic!("sm2")
    };
    let uncompressed = inner.verifying_key().to_sec1_point(false);
    let pk = PublicKey::from_bytes(Algorithm::Sm2, uncompressed.as_bytes()).unwrap();
    assert_eq!(pk, key.public_key());
}

#[test]
fn batch_matches_single_verification() {
    let keys: Vec<Keypair> = (0..6)
        .map(|i| {
            Keypair::generate(if i % 3 == 2 {
                Algorithm::Sm2
            } else {
                Algorithm::Ed25519
            })
        })
        .collect::<Result<_, _>>()
        .unwrap();
    let messages: Vec<Vec<u8>> = (0..6)
        .map(|i| format!("message {i}").into_bytes())
        .collect();
    let mut sigs: Vec<Signature> = keys.iter().zip(&messages).map(|(k, m)| k.sign(m)).collect();
    let pks: Vec<PublicKey> = keys.iter().map(Keypair::public_key).collect();

    let items = |sigs: &[Signature]| -> Vec<Result<(), CryptoError>> {
        let items: Vec<BatchItem<'_>> = (0..6)
            .map(|i| BatchItem {
                key: &pks[i],
                message: &messages[i],
                signature: &sigs[i],
            })
            .collect();
        verify_batch(&items)
    };
    assert!(items(&sigs).iter().all(Result::is_ok));

    // Corrupt one ed25519 and one SM2 signature: exactly those two fail.
    sigs[1] = keys[1].sign(b"other");
    sigs[2] = keys[2].sign(b"other");
    let verdicts = items(&sigs);
    for (i, v) in verdicts.iter().enumerate() {
        assert_eq!(v.is_ok(), i != 1 && i != 2, "item {i}: {v:?}");
    }
    assert!(verify_batch(&[]).is_empty());
}

#[test]
fn key_file_round_trip_and_secret_never_printed() {
    for alg in [Algorithm::Ed25519, Algorithm::Sm2] {
        let key = Keypair::generate(alg).unwrap();
        let file = KeyFile::from_keypair("finance-director", &key);
        let json = file.to_json();
        let back = KeyFile::from_json(&json).unwrap();
        assert_eq!(back.keypair().unwrap().public_key(), key.public_key());
        let secret_hex = hex::encode(key.secret_bytes().as_ref());
        assert!(!format!("{file:?}").contains(&secret_hex));
        assert!(!format!("{key:?}").contains(&secret_hex));
    }
}

#[test]
fn key_file_with_wrong_public_key_is_refused() {
    let a = Keypair::generate(Algorithm::Ed25519).unwrap();
    let b = Keypair::generate(Algorithm::Ed25519).unwrap();
    let mut value: serde_json::Value =
        serde_json::from_str(&KeyFile::from_keypair("x", &a).to_json()).unwrap();
    value["public_key"] = serde_json::Value::String(b.public_key().to_string());
    let err = KeyFile::from_json(&value.to_string()).unwrap_err();
    assert!(
        matches!(err, KeyFileError::PublicKeyMismatch { .. }),
        "{err}"
    );
    assert!(
        !err.to_string()
            .contains(&hex::encode(a.secret_bytes().as_ref()))
    );
}

#[test]
fn ed25519_non_canonical_key_encodings_are_refused() {
    // y = p + 3 (p = 2^255 - 19): decodes to the same point as y = 3, so it is a second byte
    // form of one key and must be refused.
    let mut raw = [0xffu8; 32];
    raw[0] = 0xed + 3; // p's low byte is 0xed
    raw[31] = 0x7f;
    assert!(
        ed25519_dalek::VerifyingKey::from_bytes(&raw).is_ok(),
        "dalek decodes it, so refusing it is our canonical-form check's doing"
    );
    assert!(PublicKey::from_bytes(Algorithm::Ed25519, &raw).is_err());
    assert!(PublicKey::Ed25519(raw).check().is_err());
}

#[test]
fn a_key_cache_gives_the_same_verdict_as_decoding_each_time() {
    // Good and bad signatures of both suites, keys that repeat (served from the cache the
    // second time), keys that are not on their curve, a weak ed25519 key, and suites that
    // do not match: through one long-lived cache, every verdict — the error too — is what
    // `PublicKey::verify` says, batch after batch.
    let ed = Keypair::from_secret_bytes(Algorithm::Ed25519, &[7; 32]).unwrap();
    let sm = Keypair::from_secret_bytes(Algorithm::Sm2, &[8; 32]).unwrap();
    let mut not_on_curve = [0u8; 32];
    not_on_curve[0] = 2; // y = 2 has no x on edwards25519
    let mut weak = [0u8; 32];
    weak[0] = 1; // the identity
    let mut bad_sm2 = [0u8; 33];
    bad_sm2[0] = 0x02;
    bad_sm2[1..].fill(0xff); // x ≥ p
    let keys = [
        ed.public_key(),
        sm.public_key(),
        PublicKey::Ed25519(not_on_curve),
        PublicKey::Ed25519(weak),
        PublicKey::Sm2(bad_sm2),
    ];
    let message = b"propose_project".as_slice();
    let signatures = [
        ed.sign(message),
        sm.sign(message),
        ed.sign(b"another message"),
        sm.sign(b"another message"),
    ];
    let cache = KeyCache::new(3);
    let mut errors = std::collections::BTreeSet::new();
    for round in 0..3 {
        let items: Vec<BatchItem<'_>> = keys
            .iter()
            .flat_map(|key| {
                signatures.iter().map(move |signature| BatchItem {
                    key,
                    message,
                    signature,
                })
            })
            .collect();
        let cached = verify_batch_cached(&items, &cache);
        for (item, verdict) in items.iter().zip(&cached) {
            let expected = item.key.verify(item.message, item.signature);
            // One at a time through the same cache, too.
            assert_eq!(
                format!("{:?}", cache.verify(item.key, item.message, item.signature)),
                format!("{expected:?}"),
                "round {round}, alone: {:?} {:?}",
                item.key,
                item.signature
            );
            assert_eq!(
                format!("{verdict:?}"),
                format!("{expected:?}"),
                "round {round}: {:?} {:?}",
                item.key,
                item.signature
            );
            if let Err(e) = verdict {
                errors.insert(
                    format!("{e:?}")
                        .split(['(', ' '])
                        .next()
                        .unwrap()
                        .to_owned(),
                );
            }
        }
        assert!(
            cached[0].is_ok() && cached[5].is_ok(),
            "the two honest items"
        );
        assert!(cache.len() <= 3, "the cache stays within its bound");
    }
    // Invalid keys beside only good signatures: the batch of the good ed25519 items passes
    // as a batch, and the rest are judged alone, the same way.
    let good: Vec<BatchItem<'_>> = [
        (&keys[0], &signatures[0]),
        (&keys[1], &signatures[1]),
        (&keys[2], &signatures[0]),
        (&keys[4], &signatures[1]),
        (&keys[0], &signatures[0]),
    ]
    .into_iter()
    .map(|(key, signature)| BatchItem {
        key,
        message,
        signature,
    })
    .collect();
    for (item, verdict) in good.iter().zip(verify_batch_cached(&good, &cache)) {
        let expected = item.key.verify(item.message, item.signature);
        assert_eq!(format!("{verdict:?}"), format!("{expected:?}"));
    }
    // Every kind of verdict was exercised, not only the happy path.
    let kinds: Vec<&str> = errors.iter().map(String::as_str).collect();
    assert_eq!(
        kinds,
        ["AlgorithmMismatch", "BadSignature", "InvalidPublicKey"],
        "{errors:?}"
    );
}

#[test]
fn a_key_cache_keeps_member_keys_decoded_between_batches() {
    let keys: Vec<Keypair> = (0..4u8)
        .map(|i| Keypair::from_secret_bytes(Algorithm::Ed25519, &[i + 20; 32]).unwrap())
        .collect();
    let publics: Vec<PublicKey> = keys.iter().map(Keypair::public_key).collect();
    let signatures: Vec<Signature> = keys.iter().map(|k| k.sign(b"m")).collect();
    let items: Vec<BatchItem<'_>> = (0..4)
        .map(|i| BatchItem {
            key: &publics[i],
            message: b"m",
            signature: &signatures[i],
        })
        .collect();
    let cache = KeyCache::default();
    assert!(cache.is_empty());
    assert!(
        verify_batch_cached(&items, &cache)
            .iter()
            .all(Result::is_ok)
    );
    assert_eq!(cache.len(), 4);
    // The same signers again: nothing new to decode.
    assert!(
        verify_batch_cached(&items[..2], &cache)
            .iter()
            .all(Result::is_ok)
    );
    assert_eq!(cache.len(), 4);
}
