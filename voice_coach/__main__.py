from voice_coach.app.cli import main

raise SystemExit(main())
