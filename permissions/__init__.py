"""Permission levels per project and tool, the permission matrix, permission templates."""
