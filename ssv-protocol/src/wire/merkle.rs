//! SSZ hash-tree-root building blocks for the wire types (consensus-specs
//! `hash_tree_root`), on top of `tree_hash`'s merkleization.

/// A 32-byte SSZ root.
pub type Root = [u8; 32];

const CHUNK: usize = 32;

fn chunks_for(bytes: usize) -> usize {
    bytes.div_ceil(CHUNK)
}

/// The root of a `uint64`.
pub fn u64_root(v: u64) -> Root {
    let mut r = [0u8; 32];
    r[..8].copy_from_slice(&v.to_le_bytes());
    r
}

/// The root of a `Vector[byte, N]` (N = `bytes.len()`).
pub fn byte_vector_root(bytes: &[u8]) -> Root {
    tree_hash::merkle_root(bytes, chunks_for(bytes.len())).0
}

/// The root of a `List[byte, limit]`.
pub fn byte_list_root(bytes: &[u8], limit: usize) -> Root {
    let root = tree_hash::merkle_root(bytes, chunks_for(limit));
    tree_hash::mix_in_length(&root, bytes.len()).0
}

/// The root of a `List[uint64, limit]`.
pub fn u64_list_root(values: &[u64], limit: usize) -> Root {
    let packed: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let root = tree_hash::merkle_root(&packed, chunks_for(limit * 8));
    tree_hash::mix_in_length(&root, values.len()).0
}

/// The root of a `List[List[byte, inner_limit], limit]`.
pub fn byte_list_list_root(items: &[Vec<u8>], inner_limit: usize, limit: usize) -> Root {
    let leaves: Vec<u8> = items
        .iter()
        .flat_map(|item| byte_list_root(item, inner_limit))
        .collect();
    let root = tree_hash::merkle_root(&leaves, limit);
    tree_hash::mix_in_length(&root, items.len()).0
}

/// The root of a container whose fields have these roots.
pub fn container_root(fields: &[Root]) -> Root {
    let leaves: Vec<u8> = fields.iter().flatten().copied().collect();
    tree_hash::merkle_root(&leaves, fields.len()).0
}
