# the real repo's datasets loading script; sftkit reads the JSONL files
