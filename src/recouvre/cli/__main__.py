from recouvre.cli import main

main()
