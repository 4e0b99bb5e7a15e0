set terminal pngcairo noenhanced size 900,600 font 'Sans,10'
set output 'tuning_curves.png'
reset
set title "candidates on the validation split (1/12 of fashion-mnist train), 1 seed"
set grid
set key top right
set xlabel 'epoch'
set ylabel 'validation error % (log scale)'
set logscale y
plot 'tuning_curves.dat' index 0 using 1:2 with linespoints pt 7 ps 0.5 title 'fashion_cos', \
     'tuning_curves.dat' index 1 using 1:2 with linespoints pt 7 ps 0.5 title 'fashion_cos30', \
     'tuning_curves.dat' index 2 using 1:2 with linespoints pt 7 ps 0.5 title 'fashion_flip30'
set output
set terminal svg noenhanced size 900,600 dynamic font 'Sans,10'
set output 'tuning_curves.svg'
reset
set title "candidates on the validation split (1/12 of fashion-mnist train), 1 seed"
set grid
set key top right
set xlabel 'epoch'
set ylabel 'validation error % (log scale)'
set logscale y
plot 'tuning_curves.dat' index 0 using 1:2 with linespoints pt 7 ps 0.5 title 'fashion_cos', \
     'tuning_curves.dat' index 1 using 1:2 with linespoints pt 7 ps 0.5 title 'fashion_cos30', \
     'tuning_curves.dat' index 2 using 1:2 with linespoints pt 7 ps 0.5 title 'fashion_flip30'
set output
