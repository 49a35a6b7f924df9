"""Generated gRPC/protobuf code for omnistake.v1 (rebuilt by scripts/gen_protos.py)."""
