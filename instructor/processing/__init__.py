"""Processing of what goes into a request beside the response model (media for now).

`instructor.processing.multimodal` is the import path the published release uses
for the media classes; the classes themselves live in `instructor.multimodal`.
Nothing here is imported by `import instructor`.
"""
