from graphkit.cli import main

raise SystemExit(main())
