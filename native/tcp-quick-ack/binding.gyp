{
  "targets": [
    {
      "target_name": "tcp_quick_ack",
      "sources": ["quick-ack.c"]
    }
  ]
}
