//! Lowering of the image table (stdlib/images.hpl).

use super::*;
use crate::model::images::qualified;

impl Lowering<'_> {
    pub(super) fn image_table(&self, obj: ObjId) -> ImageTable {
        ImageTable {
            as_of: self.string(obj, "as_of"),
            builds: self
                .objects(obj, "builds")
                .into_iter()
                .map(|b| ImageBuild {
                    image: qualified(&self.string(b, "image")),
                    architectures: self.strings(b, "architectures"),
                    confirmed: self.boolean(b, "confirmed"),
                    own_project: self.boolean(b, "own_project"),
                    end_of_life: self.string(b, "end_of_life"),
                    critical_cves: self.strings(b, "critical_cves"),
                    span: self.world.objects[b].span,
                })
                .collect(),
        }
    }

    /// Whether the kind of `obj` is a component of the stdlib that chooses
    /// its image: neither the prelude's `service`, nor a kind the
    /// platform's own files declare, nor a stdlib kind that leaves the
    /// image to the platform (`webauthn_server`).
    pub(super) fn is_component(&self, obj: ObjId) -> bool {
        let kind = &self.world.kinds[self.world.objects[obj].kind];
        !kind.builtin
            && !self.world.names.user.contains_key(&kind.name)
            && kind
                .fields
                .get("image")
                .is_some_and(|field| !field.defaults.is_empty())
    }
}
