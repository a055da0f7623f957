"""Appeal letters: fields, context, which denials get one, templates, files, the builder."""
